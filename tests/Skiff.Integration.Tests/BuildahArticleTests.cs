using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// The build script of "Software Factory With Buildah And Podman" run unchanged through a <c>buildah</c> link to
/// skiff, with a local base image in place of centos and busybox commands in place of yum.
/// </summary>
public class BuildahArticleTests
{
    private const string Script = """
        #!/bin/bash -e
        container=$(buildah from BASE)
        mountpath=$(buildah mount $container)

        trap "set +e; buildah umount $container; buildah delete $container" EXIT

        # Install "sfconfig"
        buildah run $container -- sh -c 'mkdir -p /srv && echo hi > /srv/x'
        buildah run $container -- sh -c 'echo installed > /etc/sf-config'
        echo "written through the mount" > $mountpath/etc/via-mount

        # Test that it is installed
        buildah run $container -- sh -c 'test "$(cat /etc/via-mount)" = "written through the mount"'

        # Tag the image
        buildah config --created-by "Software Factory" $container
        buildah config --author "release@softwarefactory-project.io" $container
        buildah config --created-by "Software Factory" --author "release@softwarefactory-project.io" --cmd /sbin/init --port 80 --port 443 --port 29418 $container

        buildah commit $container sf-image
        buildah containers
        """;

    private sealed class BuildahLink : IDisposable
    {
        private readonly TempDir _dir = new("skiff-buildah-link");

        public BuildahLink(SkiffCli skiff)
        {
            Bin = _dir.Combine("bin");
            Directory.CreateDirectory(Bin);
            File.CreateSymbolicLink(Path.Combine(Bin, "buildah"), SkiffCli.Binary!);
            StorageConf = _dir.Combine("storage.conf");
            File.WriteAllText(StorageConf, $"[storage]\ndriver = \"{skiff.Driver}\"\ngraphroot = \"{skiff.Root}\"\nrunroot = \"{skiff.RunRoot}\"\n");
        }

        public string Bin { get; }
        public string StorageConf { get; }

        public Dictionary<string, string> Environment => new()
        {
            ["PATH"] = Bin + ":" + (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin"),
            ["CONTAINERS_STORAGE_CONF"] = StorageConf,
        };

        public Task<ProcessResult> BashAsync(string script) =>
            ProcessRunner.RunAsync("/bin/bash", ["-e", "-c", script], env: Environment, timeout: TimeSpan.FromMinutes(5));

        public async Task<string> OkAsync(string command)
        {
            ProcessResult r = await BashAsync(command);
            Assert.True(r.ExitCode == 0, $"{command}: {r}");
            return r.StdOut;
        }

        public void Dispose() => _dir.Dispose();
    }

    [SkippableTheory]
    [InlineData("busybox")]
    [InlineData("debian")]
    public async Task Article_script_builds_an_image_with_cmd_ports_author_and_created_by(string baseImage)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        string tar = baseImage == "busybox" ? Fixtures.BusyboxTar : Fixtures.DebianTar;
        Skip.If(!File.Exists(tar), $"{tar} not made (scripts/fixtures.sh)");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", tar, baseImage);
        using var buildah = new BuildahLink(skiff);

        ProcessResult run = await buildah.BashAsync(Script.Replace("BASE", baseImage + ":latest", StringComparison.Ordinal));
        Assert.True(run.ExitCode == 0, run.ToString());
        // `buildah containers` ran while the container still existed (the trap removes it after).
        Assert.Contains(baseImage + "-working-container", run.StdOut);
        Assert.StartsWith("CONTAINER ID  BUILDER  IMAGE ID     IMAGE NAME", run.StdOut.Split('\n').First(l => l.StartsWith("CONTAINER ID", StringComparison.Ordinal)));

        using JsonDocument doc = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "sf-image"));
        JsonElement image = doc.RootElement[0];
        JsonElement config = image.GetProperty("Config");
        Assert.Equal(["/sbin/init"], config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["29418", "443", "80"], config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Equal("release@softwarefactory-project.io", image.GetProperty("Author").GetString());
        Assert.Equal("Software Factory", image.GetProperty("History").EnumerateArray().Last().GetProperty("created_by").GetString());
        Assert.Equal(2, image.GetProperty("RootFS").GetProperty("Layers").GetArrayLength());

        // The trap removed the working container; the image has what `run` and the mount path wrote.
        Assert.DoesNotContain(baseImage + "-working-container", await buildah.OkAsync("buildah containers"));
        string check = await buildah.OkAsync("""
            c=$(buildah from sf-image)
            buildah run $c -- cat /srv/x /etc/sf-config /etc/via-mount
            buildah rm $c >/dev/null
            """);
        Assert.Equal("hi\ninstalled\nwritten through the mount\n", check);

        // The article's clean-up commands.
        await buildah.OkAsync($"buildah from {baseImage} >/dev/null && buildah from {baseImage} >/dev/null");
        string listed = await buildah.OkAsync("buildah containers --noheading");
        Assert.Contains(baseImage + "-working-container-1", listed);
        await buildah.OkAsync("buildah delete --all");
        Assert.Equal("", await buildah.OkAsync("buildah containers --noheading"));
        await buildah.OkAsync("buildah rmi -a");
        Assert.Equal("", (await skiff.OkAsync("images", "-q")).Trim());
    }

    [SkippableFact]
    public async Task Article_script_fails_with_the_commands_exit_code_and_the_trap_still_cleans_up()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        using var buildah = new BuildahLink(skiff);

        ProcessResult run = await buildah.BashAsync("""
            container=$(buildah from busybox)
            mountpath=$(buildah mount $container)
            trap "set +e; buildah umount $container; buildah delete $container" EXIT
            buildah run $container -- sh -c 'exit 3'
            echo not reached
            """);
        Assert.Equal(3, run.ExitCode);
        Assert.DoesNotContain("not reached", run.StdOut);
        Assert.Equal("", await buildah.OkAsync("buildah containers --noheading"));
    }
}
