using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class SaveLoadTests
{
    [SkippableTheory]
    [InlineData("docker-archive")]
    [InlineData("oci-archive")]
    [InlineData("oci-dir")]
    [InlineData("docker-dir")]
    public async Task Save_then_load_into_a_fresh_store_keeps_id_and_name(string format)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        string id = (await a.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        string archive = a.Scratch("saved");
        await a.OkAsync("save", "--format", format, "-o", archive, "bb");
        string loaded = await b.OkAsync("load", "-i", archive);
        // A dir: image carries no name (podman names it by id too); the others keep theirs.
        string expectedName = format == "docker-dir" ? "sha256:" + id : "localhost/bb:latest";
        Assert.Equal("Loaded image: " + expectedName, loaded.Trim());
        Assert.Equal(id, (await b.OkAsync("image", "inspect", "--format", "{{.Id}}", format == "docker-dir" ? id : "bb")).Trim());
    }

    [SkippableFact]
    public async Task Save_puts_several_images_into_one_docker_archive()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "one");
        await a.OkAsync("import", "--change", "CMD sh", Fixtures.BusyboxTar, "two");
        string archive = a.Scratch("multi.tar");
        await a.OkAsync("save", "-o", archive, "one", "two");
        await b.OkAsync("load", "-i", archive);
        string names = await b.OkAsync("images", "--format", "{{.Repository}}");
        Assert.Contains("localhost/one", names);
        Assert.Contains("localhost/two", names);
    }

    [SkippableFact]
    public async Task Load_reads_an_archive_from_stdin()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string archive = a.Scratch("bb.tar");
        await a.OkAsync("save", "-o", archive, "bb");
        ProcessResult r = await b.RunAsync(["load"], await File.ReadAllBytesAsync(archive));
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(0, (await b.RunAsync("image", "exists", "bb")).ExitCode);
    }
}

/// <summary>Archives travel both ways between skiff and the real podman with the same ids and layer digests.</summary>
public class PodmanInteropTests
{
    private static bool PodmanMissing => ProcessRunner.Which("podman") is null;

    private static Task<ProcessResult> Podman(TempDir dir, params string[] args) =>
        ProcessRunner.RunAsync("podman", ["--root", dir.Combine("root"), "--runroot", dir.Combine("run"), "--storage-driver", "vfs", .. args]);

    private static async Task<string> PodmanOk(TempDir dir, params string[] args)
    {
        ProcessResult r = await Podman(dir, args);
        Assert.True(r.ExitCode == 0, $"podman {string.Join(' ', args)}: {r}");
        return r.StdOut;
    }

    [SkippableTheory]
    [InlineData("docker-archive")]
    [InlineData("oci-archive")]
    public async Task Archive_saved_by_podman_loads_into_skiff_and_back_with_same_id_and_layers(string format)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(PodmanMissing, "podman is not installed");
        using var pm = new TempDir("podman-store");
        using var skiff = new SkiffCli();
        try
        {
            await PodmanOk(pm, "import", "--change", "CMD [\"/bin/sh\"]", Fixtures.BusyboxTar, "fromPodman".ToLowerInvariant());
            string id = (await PodmanOk(pm, "image", "inspect", "--format", "{{.Id}}", "frompodman")).Trim();
            string layers = (await PodmanOk(pm, "image", "inspect", "--format", "{{.RootFS.Layers}}", "frompodman")).Trim();
            string archive = skiff.Scratch("podman." + format);
            await PodmanOk(pm, "save", "--format", format, "-o", archive, "frompodman");

            await skiff.OkAsync("load", "-i", archive);
            Assert.Equal(id, (await skiff.OkAsync("image", "inspect", "--format", "{{.Id}}", "frompodman")).Trim());

            string back = skiff.Scratch("skiff." + format);
            await skiff.OkAsync("save", "--format", format, "-o", back, "frompodman");
            await PodmanOk(pm, "rmi", "-a", "-f");
            await PodmanOk(pm, "load", "-i", back);
            Assert.Equal(id, (await PodmanOk(pm, "image", "inspect", "--format", "{{.Id}}", "frompodman")).Trim());
            Assert.Equal(layers, (await PodmanOk(pm, "image", "inspect", "--format", "{{.RootFS.Layers}}", "frompodman")).Trim());
        }
        finally
        {
            // Not `system reset`: it removes podman's shared tmpdir (/run/libpod) under other podman processes.
            await Podman(pm, "rmi", "-a", "-f");
        }
    }

    [SkippableFact]
    public async Task Skiff_oci_archive_passes_skopeo_inspection_and_copy()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("skopeo") is null, "skopeo is not installed");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string archive = skiff.Scratch("bb.oci.tar");
        await skiff.OkAsync("save", "--format", "oci-archive", "-o", archive, "bb");
        ProcessResult inspect = await ProcessRunner.RunAsync("skopeo", ["inspect", "--config", "oci-archive:" + archive]);
        Assert.True(inspect.ExitCode == 0, inspect.ToString());
        using JsonDocument config = JsonDocument.Parse(inspect.StdOut);
        Assert.Equal("amd64", config.RootElement.GetProperty("architecture").GetString());
        string layout = skiff.Scratch("layout");
        ProcessResult copy = await ProcessRunner.RunAsync("skopeo", ["copy", "oci-archive:" + archive, "oci:" + layout + ":bb"]);
        Assert.True(copy.ExitCode == 0, copy.ToString());
        if (ProcessRunner.Which("umoci") is not null)
        {
            ProcessResult stat = await ProcessRunner.RunAsync("umoci", ["stat", "--image", layout + ":bb"]);
            Assert.True(stat.ExitCode == 0, stat.ToString());
        }
    }
}
