using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class ContainerRunTests
{
    [SkippableFact]
    public async Task Run_exit_codes_follow_podman()
    {
        Skip.IfNot(ContainerCli.Available, "skiff binary, runc, conmon or busybox missing");
        using ContainerCli c = await ContainerCli.CreateAsync();
        Assert.Equal(1, (await c.RunAsync("run", "--rm", "busybox", "false")).ExitCode);
        Assert.Equal(42, (await c.RunAsync("run", "--rm", "busybox", "sh", "-c", "exit 42")).ExitCode);
        ProcessResult notFound = await c.RunAsync("run", "--rm", "busybox", "nosuchcommand");
        Assert.Equal(127, notFound.ExitCode);
        Assert.Contains("executable file not found", notFound.StdErr);
        Assert.Equal(126, (await c.RunAsync("run", "--rm", "busybox", "/etc")).ExitCode);
        ProcessResult engine = await c.RunAsync("run", "--rm", "nosuchimage", "true");
        Assert.Equal(125, engine.ExitCode);
        Assert.StartsWith("Error: ", engine.StdErr);
        // --rm removed them all, even the ones that could not start.
        Assert.Equal("", (await c.OkAsync("ps", "-a", "-q")).Trim());
    }

    [SkippableFact]
    public async Task Run_prints_output_and_options_show_inside()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string envFile = c.Cli.Scratch("env.list");
        File.WriteAllText(envFile, "# comment\nFROM_FILE=yes\n");
        string output = await c.OkAsync("run", "--rm", "-e", "A=1", "--env-file", envFile, "-w", "/srv/app", "-u", "1000:1000",
            "--hostname", "boxy", "busybox", "sh", "-c", "echo $A $FROM_FILE; pwd; id -u; id -g; hostname; cat /etc/hostname");
        Assert.Equal("1 yes\n/srv/app\n1000\n1000\nboxy\nboxy\n", output);
    }

    [SkippableFact]
    public async Task Security_options_reach_the_process()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string caps = await c.OkAsync("run", "--rm", "--cap-drop", "chown", "--cap-add", "NET_ADMIN", "busybox", "grep", "CapEff", "/proc/self/status");
        Assert.Contains("00000000800415fa", caps);
        string privileged = await c.OkAsync("run", "--rm", "--privileged", "busybox", "grep", "CapEff", "/proc/self/status");
        Assert.DoesNotContain("00000000800405fb", privileged);
        string nnp = await c.OkAsync("run", "--rm", "--security-opt", "no-new-privileges", "busybox", "grep", "NoNewPrivs", "/proc/self/status");
        Assert.Contains("NoNewPrivs:\t1", nnp);
        string defaults = await c.OkAsync("run", "--rm", "busybox", "grep", "-E", "NoNewPrivs|Seccomp:", "/proc/self/status");
        Assert.Contains("NoNewPrivs:\t0", defaults);
        Assert.Contains("Seccomp:\t2", defaults);
    }

    [SkippableFact]
    public async Task Filesystem_options_read_only_tmpfs_and_volumes()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string host = c.Cli.Scratch("data");
        Directory.CreateDirectory(host);
        File.WriteAllText(Path.Combine(host, "in.txt"), "from host");
        string output = await c.OkAsync("run", "--rm", "--read-only", "--tmpfs", "/scratch", "-v", host + ":/data", "-v", host + ":/ro:ro",
            "busybox", "sh", "-c", "touch /x 2>/dev/null || echo rofs; touch /scratch/ok && echo tmpfs; cat /data/in.txt; echo; echo out > /data/out.txt; (echo no > /ro/no.txt) 2>/dev/null || echo ro-refused; touch /tmp/t && echo tmp-writable");
        Assert.Equal("rofs\ntmpfs\nfrom host\nro-refused\ntmp-writable\n", output);
        Assert.Equal("out\n", File.ReadAllText(Path.Combine(host, "out.txt")));

        await c.OkAsync("run", "--rm", "-v", "named:/vol", "busybox", "sh", "-c", "echo persisted > /vol/f");
        Assert.Equal("persisted\n", await c.OkAsync("run", "--rm", "-v", "named:/vol", "busybox", "cat", "/vol/f"));
    }

    [SkippableFact]
    public async Task Resource_options_reach_the_cgroup_and_rlimits()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string output = await c.OkAsync("run", "--rm", "--memory", "64m", "--pids-limit", "99", "--ulimit", "nofile=256:512", "--cpus", "0.5",
            "busybox", "sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max /sys/fs/cgroup/cpu/cpu.cfs_quota_us; ulimit -n; ulimit -Hn");
        Assert.Equal("67108864\n99\n50000\n256\n512\n", output);
        ProcessResult tooHigh = await c.RunAsync("run", "--rm", "--ulimit", "nofile=99999999:99999999", "busybox", "true");
        Assert.Equal(125, tooHigh.ExitCode);
        Assert.Contains("hard limit", tooHigh.StdErr);
    }

    [SkippableFact]
    public async Task Entrypoint_labels_and_inspect_shape()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        Assert.Equal("x y\n", await c.OkAsync("run", "--rm", "--entrypoint", "echo", "busybox", "x", "y"));
        string id = (await c.OkAsync("create", "--name", "named", "--label", "tier=web", "-e", "K=V", "busybox", "sleep", "5")).Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        using JsonDocument doc = JsonDocument.Parse(await c.OkAsync("container", "inspect", "named"));
        JsonElement ctr = doc.RootElement[0];
        Assert.Equal(id, ctr.GetProperty("Id").GetString());
        Assert.Equal("named", ctr.GetProperty("Name").GetString());
        Assert.Equal("sleep", ctr.GetProperty("Path").GetString());
        Assert.Equal("created", ctr.GetProperty("State").GetProperty("Status").GetString());
        Assert.Equal("web", ctr.GetProperty("Config").GetProperty("Labels").GetProperty("tier").GetString());
        Assert.Contains("K=V", ctr.GetProperty("Config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal("localhost/busybox:latest", ctr.GetProperty("ImageName").GetString());
        Assert.Equal(0, (await c.RunAsync("container", "exists", "named")).ExitCode);
        Assert.Equal(1, (await c.RunAsync("container", "exists", "nothere")).ExitCode);
        Assert.Equal("named\n", await c.OkAsync("ps", "-a", "--filter", "label=tier=web", "--format", "{{.Names}}"));
        Assert.Equal("", await c.OkAsync("ps", "-a", "--filter", "label=tier=db", "--format", "{{.Names}}"));
    }

    [SkippableFact]
    public async Task Run_it_works_under_a_real_terminal()
    {
        Skip.IfNot(ContainerCli.Available && File.Exists("/usr/bin/script"));
        using ContainerCli c = await ContainerCli.CreateAsync();
        string command = string.Join(' ', new[] { SkiffCli.Binary!, "--root", c.Cli.Root, "--runroot", c.Cli.RunRoot, "run", "-it", "--rm", "busybox", "sh" });
        ProcessResult r = await ProcessRunner.RunAsync("/usr/bin/script", ["-qec", command, "/dev/null"],
            stdin: "tty -s && echo is-a-tty; echo typed-$((6*7)); exit 7\n"u8.ToArray(), timeout: TimeSpan.FromMinutes(1));
        Assert.Equal(7, r.ExitCode);
        Assert.Contains("is-a-tty", r.StdOut);
        Assert.Contains("typed-42", r.StdOut);
        Assert.Contains("/ # ", r.StdOut);
    }

    [SkippableFact]
    public async Task Interactive_run_passes_stdin()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        ProcessResult r = await c.Cli.RunAsync(["run", "-i", "--rm", "busybox", "sh", "-c", "read line; echo got:$line"], "hello\n"u8.ToArray());
        Assert.Equal(0, r.ExitCode);
        Assert.Equal("got:hello\n", r.StdOut);
    }
}
