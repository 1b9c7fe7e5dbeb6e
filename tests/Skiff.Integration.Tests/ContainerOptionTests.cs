using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>run options whose effect the other container tests do not show: each seen from inside busybox.</summary>
public class ContainerOptionTests
{
    [SkippableFact]
    public async Task Device_option_adds_the_node_under_its_container_path()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string output = await c.OkAsync("run", "--rm", "--device", "/dev/null:/dev/mynull", "--device", "/dev/zero", "busybox", "sh", "-c",
            "ls -l /dev/mynull | cut -c1; echo x > /dev/mynull && echo wrote; head -c 2 /dev/zero | od -An -c");
        Assert.Equal("c\nwrote\n  \\0  \\0\n", output);
        Assert.Equal("missing\n", await c.OkAsync("run", "--rm", "busybox", "sh", "-c", "test -e /dev/mynull || echo missing"));
        ProcessResult bad = await c.RunAsync("run", "--rm", "--device", "/dev/nosuchdevice", "busybox", "true");
        Assert.Equal(125, bad.ExitCode);
    }

    [SkippableFact]
    public async Task Annotation_reaches_the_runtime_spec_and_inspect()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "ann", "--annotation", "org.example.k=v1", "--annotation", "plain=x", "busybox", "sleep", "1000");
        string specPath = (await c.OkAsync("inspect", "--format", "{{.OCIConfigPath}}", "ann")).Trim();
        using (JsonDocument spec = JsonDocument.Parse(File.ReadAllBytes(specPath)))
        {
            JsonElement annotations = spec.RootElement.GetProperty("annotations");
            Assert.Equal("v1", annotations.GetProperty("org.example.k").GetString());
            Assert.Equal("x", annotations.GetProperty("plain").GetString());
        }
        Assert.Equal("v1\n", await c.OkAsync("inspect", "--format", "{{index .Config.Annotations \"org.example.k\"}}", "ann"));
        Assert.Equal(125, (await c.RunAsync("create", "--annotation", "novalue", "busybox", "true")).ExitCode);
    }

    [SkippableFact]
    public async Task Env_host_passes_this_process_environment_and_e_overrides_it()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        // The child skiff inherits this test process's environment.
        Environment.SetEnvironmentVariable("SKIFF_ENV_HOST_PROBE", "from-host");
        Environment.SetEnvironmentVariable("SKIFF_ENV_HOST_OVERRIDE", "host-value");
        try
        {
            Assert.Equal("from-host given\n", await c.OkAsync("run", "--rm", "--env-host", "-e", "SKIFF_ENV_HOST_OVERRIDE=given", "busybox", "sh", "-c",
                "echo $SKIFF_ENV_HOST_PROBE $SKIFF_ENV_HOST_OVERRIDE"));
            Assert.Equal("unset\n", await c.OkAsync("run", "--rm", "busybox", "sh", "-c", "echo ${SKIFF_ENV_HOST_PROBE:-unset}"));
            // -e NAME without a value takes it from the host, as podman does.
            Assert.Equal("from-host\n", await c.OkAsync("run", "--rm", "-e", "SKIFF_ENV_HOST_PROBE", "busybox", "sh", "-c", "echo $SKIFF_ENV_HOST_PROBE"));
        }
        finally
        {
            Environment.SetEnvironmentVariable("SKIFF_ENV_HOST_PROBE", null);
            Environment.SetEnvironmentVariable("SKIFF_ENV_HOST_OVERRIDE", null);
        }
    }

    [SkippableFact]
    public async Task Mount_option_gives_binds_volumes_and_tmpfs()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string host = c.Cli.Scratch("mnt");
        Directory.CreateDirectory(host);
        File.WriteAllText(Path.Combine(host, "f"), "host file");
        string output = await c.OkAsync("run", "--rm",
            "--mount", $"type=bind,source={host},target=/ro,readonly",
            "--mount", $"type=bind,src={host},dst=/rw",
            "--mount", "type=tmpfs,target=/t,tmpfs-size=1m",
            "--mount", "type=volume,source=mvol,target=/v",
            "busybox", "sh", "-c",
            "cat /ro/f; echo; touch /ro/x 2>/dev/null || echo ro-refused; echo w > /rw/new; grep ' /t ' /proc/mounts | cut -d' ' -f1,3; grep ' /t ' /proc/mounts | grep -o 'size=[0-9]*k'; echo kept > /v/k");
        Assert.Equal("host file\nro-refused\ntmpfs tmpfs\nsize=1024k\n", output);
        Assert.Equal("w\n", File.ReadAllText(Path.Combine(host, "new")));
        Assert.False(File.Exists(Path.Combine(host, "x")));
        Assert.Equal("kept\n", await c.OkAsync("run", "--rm", "--mount", "type=volume,src=mvol,dst=/data", "busybox", "cat", "/data/k"));
        ProcessResult bad = await c.RunAsync("run", "--rm", "--mount", "type=nosuch,target=/x", "busybox", "true");
        Assert.Equal(125, bad.ExitCode);
    }

    [SkippableFact]
    public async Task Tmpfs_and_read_only_tmpfs_shape_the_writable_places()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        Assert.Equal("ro-root\ntmp-ok\n", await c.OkAsync("run", "--rm", "--read-only", "busybox", "sh", "-c",
            "touch /x 2>/dev/null || echo ro-root; touch /tmp/x && echo tmp-ok"));
        Assert.Equal("ro-tmp\n", await c.OkAsync("run", "--rm", "--read-only", "--read-only-tmpfs=false", "busybox", "sh", "-c",
            "touch /tmp/x 2>/dev/null || echo ro-tmp"));
        Assert.Equal("tmpfs noexec\n", await c.OkAsync("run", "--rm", "--tmpfs", "/cache:rw,noexec,size=2m", "busybox", "sh", "-c",
            "grep ' /cache ' /proc/mounts | cut -d' ' -f1 | tr '\\n' ' '; grep ' /cache ' /proc/mounts | grep -o noexec"));
    }

    [SkippableFact]
    public async Task Pull_policy_missing_always_and_never()
    {
        Skip.IfNot(ContainerCli.Available && RegistryServer.Available, "binary, runtime or docker-registry missing");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions());
        using ContainerCli publisher = await ContainerCli.CreateAsync();
        using ContainerCli c = await ContainerCli.CreateAsync();
        string remote = $"{server.Host}/pull/box:1";
        await publisher.OkAsync("run", "--name", "v1", "busybox", "sh", "-c", "echo one > /version");
        await publisher.OkAsync("commit", "v1", "box-v1");
        await publisher.OkAsync("push", "-q", "--tls-verify=false", "box-v1", "docker://" + remote);

        ProcessResult never = await c.RunAsync("run", "--rm", "--pull", "never", remote, "cat", "/version");
        Assert.Equal(125, never.ExitCode);
        Assert.Contains("image not known", never.StdErr);
        Assert.Equal("one\n", await c.OkAsync("run", "--rm", "-q", "--tls-verify=false", remote, "cat", "/version"));

        // A newer image under the same tag: missing keeps the stored one, always fetches it.
        await publisher.OkAsync("run", "--name", "v2", "busybox", "sh", "-c", "echo two > /version");
        await publisher.OkAsync("commit", "v2", "box-v2");
        await publisher.OkAsync("push", "-q", "--tls-verify=false", "box-v2", "docker://" + remote);
        Assert.Equal("one\n", await c.OkAsync("run", "--rm", "--pull", "missing", "--tls-verify=false", remote, "cat", "/version"));
        Assert.Equal("two\n", await c.OkAsync("run", "--rm", "--pull=always", "-q", "--tls-verify=false", remote, "cat", "/version"));
        Assert.Equal("two\n", await c.OkAsync("run", "--rm", "--pull", "never", remote, "cat", "/version"));
        Assert.Equal(125, (await c.RunAsync("run", "--rm", "--pull", "sometimes", remote, "true")).ExitCode);
    }

    [SkippableFact]
    public async Task Seccomp_security_opt_takes_a_profile_file_or_unconfined()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string profile = c.Cli.Scratch("no-mkdir.json");
        File.WriteAllText(profile, """{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["mkdir","mkdirat"],"action":"SCMP_ACT_ERRNO","errnoRet":1}]}""");
        Assert.Equal("denied\nSeccomp:\t2\n", await c.OkAsync("run", "--rm", "--security-opt", "seccomp=" + profile, "busybox", "sh", "-c",
            "mkdir /x 2>/dev/null || echo denied; grep Seccomp: /proc/self/status"));
        Assert.Equal("made\n", await c.OkAsync("run", "--rm", "busybox", "sh", "-c", "mkdir /x && echo made"));
        Assert.Equal("Seccomp:\t0\n", await c.OkAsync("run", "--rm", "--security-opt", "seccomp=unconfined", "busybox", "grep", "Seccomp:", "/proc/self/status"));
    }

    [SkippableFact]
    public async Task Labels_stop_signal_and_hostname_show_in_inspect_and_inside()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "lab", "--label", "a=1", "--label", "b=2", "--stop-signal", "SIGUSR1", "--hostname", "inside",
            "busybox", "sh", "-c", "trap 'echo got-usr1; exit 3' USR1; hostname; while true; do sleep 0.1; done");
        Assert.Equal("1 2\n", await c.OkAsync("inspect", "--format", "{{.Config.Labels.a}} {{.Config.Labels.b}}", "lab"));
        Assert.Equal("10\n", await c.OkAsync("inspect", "--format", "{{.Config.StopSignal}}", "lab"));
        await c.OkAsync("stop", "lab");
        Assert.Equal("3\n", await c.OkAsync("wait", "lab"));
        Assert.Equal("inside\ngot-usr1\n", await c.OkAsync("logs", "lab"));
    }
}
