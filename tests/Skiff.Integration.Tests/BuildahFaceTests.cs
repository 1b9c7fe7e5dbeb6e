using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// The remaining buildah verbs and flags: unshare, info, from --pull, run --isolation/--cap-add/--terminal,
/// config --healthcheck*/--onbuild/--shell/--history-comment, commit --squash/--format/--rm.
/// </summary>
public class BuildahFaceTests
{
    private static async Task<SkiffCli> WithBusyboxAsync()
    {
        var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        return skiff;
    }

    private static string[] Face(SkiffCli skiff, params string[] args) =>
        ["buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, .. args];

    private static Task<string> Buildah(SkiffCli skiff, params string[] args) => skiff.OkAsync(Face(skiff, args));

    [SkippableFact]
    public async Task Unshare_runs_the_command_in_its_own_mount_namespace_with_containers_mounted()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string c = (await Buildah(skiff, "from", "busybox")).Trim();
        string output = await Buildah(skiff, "unshare", "-m", "ROOTFS=" + c, "sh", "-c",
            "test -x \"$ROOTFS/bin/busybox\" && echo mounted; readlink /proc/self/ns/mnt; echo $BUILDAH_ISOLATION");
        string[] lines = output.Split('\n');
        Assert.Equal("mounted", lines[0]);
        Assert.NotEqual(File.ResolveLinkTarget("/proc/self/ns/mnt", false)?.ToString() ?? "", lines[1]);
        Assert.Equal("rootless", lines[2]);
        // The mount taken for the command is given back afterwards.
        Assert.Equal("", (await Buildah(skiff, "mount")).Trim());

        ProcessResult failing = await skiff.RunAsync(Face(skiff, "unshare", "sh", "-c", "exit 7"));
        Assert.Equal(7, failing.ExitCode);
    }

    [SkippableFact]
    public async Task Info_is_buildahs_json_and_takes_templates()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        using JsonDocument info = JsonDocument.Parse(await Buildah(skiff, "info"));
        Assert.Equal(skiff.Root, info.RootElement.GetProperty("store").GetProperty("GraphRoot").GetString());
        Assert.Equal(1, info.RootElement.GetProperty("store").GetProperty("ImageStore").GetProperty("number").GetInt32());
        Assert.Equal("linux", info.RootElement.GetProperty("host").GetProperty("os").GetString());
        Assert.Equal(skiff.Driver + "\n", await Buildah(skiff, "info", "--format", "{{.store.GraphDriverName}}"));
    }

    [SkippableFact]
    public async Task From_pull_never_run_isolation_cap_add_and_terminal()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        ProcessResult absent = await skiff.RunAsync(Face(skiff, "from", "--pull=never", "localhost/absent"));
        Assert.Equal(125, absent.ExitCode);
        Assert.Contains("localhost/absent", absent.StdErr);

        string c = (await Buildah(skiff, "from", "--pull=never", "--name", "iso", "busybox")).Trim();
        Assert.Equal("iso", c);
        // CAP_NET_ADMIN is bit 12 (0x1000): absent by default, present with --cap-add.
        string plain = await Buildah(skiff, "run", "--isolation", "chroot", c, "--", "sh", "-c", "grep CapEff /proc/self/status");
        string added = await Buildah(skiff, "run", "--isolation", "chroot", "--cap-add", "CAP_NET_ADMIN", c, "--", "sh", "-c", "grep CapEff /proc/self/status");
        Assert.Equal(0, Convert.ToInt64(plain.Split('\t')[1].Trim(), 16) & 0x1000);
        Assert.NotEqual(0, Convert.ToInt64(added.Split('\t')[1].Trim(), 16) & 0x1000);

        // --terminal gives the command a pty; `script` provides the controlling terminal the test itself lacks.
        Skip.If(ProcessRunner.Which("script") is null, "script (util-linux) not installed");
        string line = string.Join(' ', Face(skiff, "run", "-t", c, "--", "tty").Prepend(SkiffCli.Binary!).Select(a => "'" + a + "'"));
        ProcessResult tty = await ProcessRunner.RunAsync("script", ["-q", "-e", "-c", line, "/dev/null"]);
        Assert.True(tty.ExitCode == 0, tty.ToString());
        Assert.Contains("/dev/pts/", tty.StdOut);
    }

    [SkippableFact]
    public async Task Config_docker_only_fields_and_commit_squash_docker_format_rm()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string c = (await Buildah(skiff, "from", "busybox")).Trim();
        await Buildah(skiff, "config", "--healthcheck", "CMD true", "--healthcheck-interval", "5s", "--healthcheck-retries", "2",
            "--onbuild", "RUN echo hi", "--shell", "/bin/ash -c", "--history-comment", "made by a test", c);
        string iid = skiff.Scratch("iid");
        string id = (await Buildah(skiff, "commit", "-q", "--format", "docker", "--squash", "--rm", "--iidfile", iid, c, "hc")).Trim();
        Assert.Equal("sha256:" + id, File.ReadAllText(iid));
        Assert.Equal("", (await Buildah(skiff, "containers", "-q")).Trim());

        using JsonDocument inspect = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "hc"));
        JsonElement image = inspect.RootElement[0];
        JsonElement config = image.GetProperty("Config");
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", image.GetProperty("ManifestType").GetString());
        Assert.Equal(["CMD", "true"], config.GetProperty("Healthcheck").GetProperty("Test").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(5_000_000_000, config.GetProperty("Healthcheck").GetProperty("Interval").GetInt64());
        Assert.Equal(2, config.GetProperty("Healthcheck").GetProperty("Retries").GetInt32());
        Assert.Equal(["RUN echo hi"], config.GetProperty("OnBuild").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["/bin/ash", "-c"], config.GetProperty("Shell").EnumerateArray().Select(e => e.GetString()));
        Assert.Single(image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray());
        Assert.Equal("made by a test", image.GetProperty("History").EnumerateArray().Last().GetProperty("comment").GetString());
    }
}
