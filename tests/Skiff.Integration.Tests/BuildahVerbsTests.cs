using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>The buildah face's verbs through <c>skiff buildah ...</c> on a private store.</summary>
public class BuildahVerbsTests
{
    private static async Task<SkiffCli> WithBusyboxAsync()
    {
        var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        return skiff;
    }

    private static Task<string> Buildah(SkiffCli skiff, params string[] args) =>
        skiff.OkAsync(["buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, .. args]);

    private static Task<ProcessResult> BuildahRun(SkiffCli skiff, params string[] args) =>
        skiff.RunAsync(["buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, .. args]);

    [SkippableFact]
    public async Task Containers_json_and_inspect_show_buildahs_fields()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string name = (await Buildah(skiff, "from", "busybox")).Trim();
        Assert.Equal("busybox-working-container", name);
        using (JsonDocument list = JsonDocument.Parse(await Buildah(skiff, "containers", "--json")))
        {
            JsonElement row = Assert.Single(list.RootElement.EnumerateArray());
            Assert.Equal(name, row.GetProperty("containername").GetString());
            Assert.True(row.GetProperty("builder").GetBoolean());
            Assert.Equal("localhost/busybox:latest", row.GetProperty("imagename").GetString());
            Assert.Matches("^[0-9a-f]{64}$", row.GetProperty("id").GetString()!);
        }
        await Buildah(skiff, "config", "--env", "A=1", "--label", "l=v", name);
        using (JsonDocument inspect = JsonDocument.Parse(await Buildah(skiff, "inspect", name)))
        {
            JsonElement root = inspect.RootElement;
            Assert.Equal("buildah 0.0.1", root.GetProperty("Type").GetString());
            Assert.Equal(name, root.GetProperty("Container").GetString());
            Assert.Equal("localhost/busybox:latest", root.GetProperty("FromImage").GetString());
            Assert.Contains("A=1", root.GetProperty("OCIv1").GetProperty("config").GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        }
        Assert.Equal("v\n", await Buildah(skiff, "inspect", "--format", "{{index .OCIv1.config.Labels \"l\"}}", name));
    }

    [SkippableFact]
    public async Task Commit_writes_the_iidfile_and_prints_only_the_id_with_quiet()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string name = (await Buildah(skiff, "from", "busybox")).Trim();
        string iid = skiff.Scratch("iid");
        string id = (await Buildah(skiff, "commit", "-q", "--iidfile", iid, "--rm", name, "out:v1")).Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal("sha256:" + id, File.ReadAllText(iid));
        Assert.Contains("localhost/out:v1", await skiff.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}}"));
        Assert.Equal("", (await Buildah(skiff, "containers", "-q")).Trim());
        await Buildah(skiff, "tag", "out:v1", "out:v2");
        Assert.Contains("localhost/out:v2", await skiff.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}}"));
    }

    [SkippableFact]
    public async Task Copy_from_another_container_and_mount_listing()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string a = (await Buildah(skiff, "from", "busybox")).Trim();
        string b = (await Buildah(skiff, "from", "busybox")).Trim();
        string rootA = (await Buildah(skiff, "mount", a)).Trim();
        File.WriteAllText(Path.Combine(rootA, "from-a"), "payload");
        await Buildah(skiff, "copy", "--from", a, "--chown", "nobody", b, "/from-a", "/copied");
        string rootB = (await Buildah(skiff, "mount", b)).Trim();
        Assert.Equal("payload", File.ReadAllText(Path.Combine(rootB, "copied")));
        string mounted = await Buildah(skiff, "mount");
        Assert.Contains($"{a} {rootA}", mounted);
        Assert.Contains($"{b} {rootB}", mounted);
        await Buildah(skiff, "umount", a);
        Assert.DoesNotContain($"{a} ", await Buildah(skiff, "mount"));
        Assert.Equal(2, (await Buildah(skiff, "rm", "--all")).Trim().Split('\n').Length);
    }

    [SkippableFact]
    public async Task Run_passes_env_user_workdir_and_volumes_and_returns_the_exit_code()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string c = (await Buildah(skiff, "from", "busybox")).Trim();
        string shared = skiff.Scratch("shared");
        Directory.CreateDirectory(shared);
        File.WriteAllText(Path.Combine(shared, "in"), "from host");
        string output = await Buildah(skiff, "run", "-e", "GREETING=hello", "--user", "65534", "--workingdir", "/tmp", "-v", shared + ":/mnt", c, "--",
            "sh", "-c", "echo $GREETING; id -u; pwd; cat /mnt/in");
        Assert.Equal("hello\n65534\n/tmp\nfrom host", output);

        ProcessResult failed = await BuildahRun(skiff, "run", c, "--", "sh", "-c", "exit 42");
        Assert.Equal(42, failed.ExitCode);

        string none = await Buildah(skiff, "run", "--network", "none", c, "--", "sh", "-c", "ls /sys/class/net");
        Assert.Equal("lo", none.Trim());

        // Mount points runc needed do not end up in the committed layer.
        await Buildah(skiff, "commit", "-q", c, "ran");
        using JsonDocument history = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "ran"));
        Assert.Equal(2, history.RootElement[0].GetProperty("RootFS").GetProperty("Layers").GetArrayLength());
    }

    [SkippableFact]
    public async Task Unknown_container_and_missing_command_fail_with_one_line()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        ProcessResult r = await BuildahRun(skiff, "mount", "nope");
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("Error: reading build container \"nope\": container not known\n", r.StdErr);
        ProcessResult from = await BuildahRun(skiff, "from", "nothere");
        Assert.NotEqual(0, from.ExitCode);
        Assert.Contains("nothere", from.StdErr);
        Assert.Equal("", (await Buildah(skiff, "containers", "-q")).Trim());
    }
}

/// <summary>buildah from/commit/push/pull with docker:// against a local docker-registry.</summary>
public class BuildahRegistryTests
{
    [SkippableFact]
    public async Task Commit_to_docker_transport_and_from_docker_transport_round_trip()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions());
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        string[] ga = ["buildah", "--root", a.Root, "--runroot", a.RunRoot, "--storage-driver", a.Driver];
        string[] gb = ["buildah", "--root", b.Root, "--runroot", b.RunRoot, "--storage-driver", b.Driver];
        string c = (await a.OkAsync([.. ga, "from", "busybox"])).Trim();
        string root = (await a.OkAsync([.. ga, "mount", c])).Trim();
        File.WriteAllText(Path.Combine(root, "pushed"), "over the wire");
        await a.OkAsync([.. ga, "config", "--cmd", "/bin/sh", c]);
        string image = $"docker://{server.Host}/skiff/built:v1";
        string iid = a.Scratch("iid");
        string id = (await a.OkAsync([.. ga, "commit", "-q", "--tls-verify=false", "--squash", "--format", "docker", "--rm", "--iidfile", iid, c, image])).Trim();
        Assert.DoesNotContain("skiff/built", await a.OkAsync("images", "--format", "{{.Repository}}"));
        Assert.Equal("sha256:" + id, File.ReadAllText(iid));
        Assert.Equal("", (await a.OkAsync([.. ga, "containers", "-q"])).Trim());

        string c2 = (await b.OkAsync([.. gb, "from", "--tls-verify=false", image])).Trim();
        // Buildah 1.28 cuts the name at the first ':' before taking the last path component: a registry with a
        // port names the container after the host.
        Assert.Equal("127.0.0.1-working-container", c2);
        string root2 = (await b.OkAsync([.. gb, "mount", c2])).Trim();
        Assert.Equal("over the wire", File.ReadAllText(Path.Combine(root2, "pushed")));
        using JsonDocument doc = JsonDocument.Parse(await b.OkAsync("image", "inspect", $"{server.Host}/skiff/built:v1"));
        Assert.Equal("/bin/sh", doc.RootElement[0].GetProperty("Config").GetProperty("Cmd")[0].GetString());
        // --format docker and --squash hold across the push: a v2s2 manifest with the one squashed layer.
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", doc.RootElement[0].GetProperty("ManifestType").GetString());
        Assert.Single(doc.RootElement[0].GetProperty("RootFS").GetProperty("Layers").EnumerateArray());
        Assert.Equal(id, doc.RootElement[0].GetProperty("Id").GetString());
    }
}
