using System.Diagnostics;
using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.TestKit;
using Skiff.Transports.Copy;

namespace Skiff.Transports.Tests;

/// <summary>A fact that is skipped, saying why, when a reference tool is not installed.</summary>
public sealed class ToolFactAttribute : FactAttribute
{
    public ToolFactAttribute(params string[] tools)
    {
        string? missing = tools.FirstOrDefault(t => Tool.Find(t) is null);
        if (missing is not null)
        {
            Skip = $"{missing} is not installed";
        }
    }
}

internal static class Tool
{
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin").Split(':')
            .Select(d => Path.Combine(d, name)).FirstOrDefault(File.Exists);

    public static async Task<string> RunAsync(string tool, params string[] args)
    {
        var psi = new ProcessStartInfo(Find(tool)!) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync();
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await p.WaitForExitAsync(cts.Token);
        string output = await stdout;
        Assert.True(p.ExitCode == 0, $"{tool} {string.Join(' ', args)} exited {p.ExitCode}: {await stderr}");
        return output;
    }
}

/// <summary>What Skiff writes, skopeo and umoci read; what they write, Skiff reads.</summary>
public sealed class CompatibilityTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ImageCopier _copier = new();
    private readonly TransportRegistry _registry = TransportRegistry.CreateWithFileTransports();

    public void Dispose() => _dir.Dispose();

    private Task<string> Skopeo(params string[] args) => Tool.RunAsync("skopeo", ["--insecure-policy", .. args]);

    [ToolFact("skopeo")]
    public async Task Skopeo_inspects_our_oci_archive()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        string archive = _dir["image.tar"];
        CopyResult r = await _copier.CopyAsync(new MemoryImageReference(image), _registry.ParseImageName($"oci-archive:{archive}:v1"));

        using JsonDocument doc = JsonDocument.Parse(await Skopeo("inspect", $"oci-archive:{archive}:v1"));
        Assert.Equal(r.ManifestDigest.ToString(), doc.RootElement.GetProperty("Digest").GetString());
        Assert.Equal(2, doc.RootElement.GetProperty("Layers").GetArrayLength());
        Assert.Equal("amd64", doc.RootElement.GetProperty("Architecture").GetString());
    }

    [ToolFact("skopeo")]
    public async Task Skopeo_copies_our_outputs_into_an_oci_layout_and_we_read_it_back()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 3 });
        Digest config = image.ParseManifest().Config.Digest;
        string[] ours =
        [
            $"oci:{_dir["oci"]}:t",
            $"docker-archive:{_dir["d.tar"]}:localhost/ours:t",
            $"dir:{_dir["dir"]}",
            $"oci-archive:{_dir["o.tar"]}:t",
        ];
        for (int i = 0; i < ours.Length; i++)
        {
            await _copier.CopyAsync(new MemoryImageReference(image), _registry.ParseImageName(ours[i]));
            string theirs = $"oci:{_dir["skopeo"]}:t{i}";
            await Skopeo("copy", "--quiet", ours[i], theirs);

            IImageReference back = _registry.ParseImageName(theirs);
            await ImageValidator.AssertValidAsync(back);
            var memory = new MemoryImage();
            await _copier.CopyAsync(back, new MemoryImageReference(memory));
            // c/image rewrites the config when it converts a Docker image to OCI (docker-archive is Docker-only).
            if (!ours[i].StartsWith("docker-archive", StringComparison.Ordinal))
            {
                Assert.Equal(config, memory.ParseManifest().Config.Digest);
            }
            Assert.Equal(image.ParseConfig().RootFs.DiffIds, memory.ParseConfig().RootFs.DiffIds);
        }
    }

    [ToolFact("skopeo")]
    public async Task We_read_what_skopeo_writes()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2, Compression = Compression.Gzip });
        string source = $"oci:{_dir["src"]}:t";
        await _copier.CopyAsync(new MemoryImageReference(image), _registry.ParseImageName(source));
        string[] theirs =
        [
            $"docker-archive:{_dir["s.tar"]}:localhost/theirs:1",
            $"oci-archive:{_dir["s-oci.tar"]}:t",
            $"dir:{_dir["s-dir"]}",
        ];
        foreach (string t in theirs)
        {
            await Skopeo("copy", "--quiet", source, t);
            IImageReference r = _registry.ParseImageName(t);
            await ImageValidator.AssertValidAsync(r);
            var memory = new MemoryImage();
            await _copier.CopyAsync(r, new MemoryImageReference(memory));
            Assert.Equal(image.ParseConfig().RootFs.DiffIds, memory.ParseConfig().RootFs.DiffIds);
        }
    }

    [ToolFact("skopeo")]
    public async Task Skopeo_reads_a_multi_image_docker_archive_by_index()
    {
        MemoryImage a = RandomImage.Create(new RandomImageOptions { Seed = 7 });
        MemoryImage b = RandomImage.Create(new RandomImageOptions { Seed = 8 });
        string path = _dir["multi.tar"];
        await using (var writer = DockerArchive.DockerArchiveWriter.Create(path))
        {
            await _copier.CopyAsync(new MemoryImageReference(a), writer.NewReference(Reference.Parse("localhost/a:1")));
            await _copier.CopyAsync(new MemoryImageReference(b), writer.NewReference(Reference.Parse("localhost/b:1")));
            await writer.CloseAsync();
        }
        using JsonDocument second = JsonDocument.Parse(await Skopeo("inspect", "--config", $"docker-archive:{path}:@1"));
        Assert.Equal("8", second.RootElement.GetProperty("config").GetProperty("Labels").GetProperty("seed").GetString());
        using JsonDocument byName = JsonDocument.Parse(await Skopeo("inspect", "--config", $"docker-archive:{path}:localhost/a:1"));
        Assert.Equal("7", byName.RootElement.GetProperty("config").GetProperty("Labels").GetProperty("seed").GetString());
    }

    [ToolFact("skopeo")]
    public async Task Skopeo_copies_all_platforms_of_our_index_and_we_read_theirs()
    {
        MemoryImage index = RandomImage.CreateIndex(
            [new Platform { Os = "linux", Architecture = "amd64" }, new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" }]);
        string ours = $"oci:{_dir["ours"]}:multi";
        await _copier.CopyAsync(new MemoryImageReference(index), _registry.ParseImageName(ours), new CopyOptions { All = true });

        string theirs = $"oci:{_dir["theirs"]}:multi";
        await Skopeo("copy", "--quiet", "--all", ours, theirs);
        using JsonDocument raw = JsonDocument.Parse(await Skopeo("inspect", "--raw", theirs));
        Assert.Equal(2, raw.RootElement.GetProperty("manifests").GetArrayLength());

        var back = new MemoryImage();
        CopyResult r = await _copier.CopyAsync(_registry.ParseImageName(theirs), new MemoryImageReference(back), new CopyOptions { All = true });
        Assert.Equal(index.Manifest!.Digest, r.ManifestDigest);
        await ImageValidator.AssertValidAsync(new MemoryImageReference(back));
    }

    [ToolFact("podman")]
    public async Task Podman_loads_our_archives_and_we_read_what_it_saves()
    {
        // podman refuses run roots longer than 50 characters.
        string runRoot = $"/tmp/skr-{Guid.NewGuid():N}"[..17];
        try
        {
            await PodmanRoundTripAsync(["--root", _dir["podman-root"], "--runroot", runRoot, "--storage-driver", "vfs"]);
        }
        finally
        {
            if (Directory.Exists(runRoot))
            {
                Directory.Delete(runRoot, recursive: true);
            }
        }
    }

    private async Task PodmanRoundTripAsync(string[] podman)
    {
        MemoryImage a = RandomImage.Create(new RandomImageOptions { Seed = 21, Layers = 2 });
        MemoryImage b = RandomImage.Create(new RandomImageOptions { Seed = 22, Layers = 1, Docker = true });
        string multi = _dir["multi.tar"];
        await using (var writer = DockerArchive.DockerArchiveWriter.Create(multi))
        {
            await _copier.CopyAsync(new MemoryImageReference(a), writer.NewReference(Reference.Parse("localhost/a:1")));
            await _copier.CopyAsync(new MemoryImageReference(b), writer.NewReference(Reference.Parse("localhost/b:1")));
            await writer.CloseAsync();
        }
        string load = await Tool.RunAsync("podman", [.. podman, "load", "-i", multi]);
        Assert.Contains("localhost/a:1", load);
        Assert.Contains("localhost/b:1", load);

        string ociArchive = _dir["c.tar"];
        MemoryImage c = RandomImage.Create(new RandomImageOptions { Seed = 23 });
        await _copier.CopyAsync(new MemoryImageReference(c), _registry.ParseImageName($"oci-archive:{ociArchive}:localhost/c:1"));
        Assert.Contains("localhost/c:1", await Tool.RunAsync("podman", [.. podman, "load", "-i", ociArchive]));

        string ids = await Tool.RunAsync("podman", [.. podman, "images", "--no-trunc", "--format", "{{.ID}}"]);
        Assert.Contains(a.ParseManifest().Config.Digest.Encoded, ids);
        Assert.Contains(b.ParseManifest().Config.Digest.Encoded, ids);
        Assert.Contains(c.ParseManifest().Config.Digest.Encoded, ids);

        string saved = _dir["saved.tar"];
        await Tool.RunAsync("podman", [.. podman, "save", "-o", saved, "localhost/a:1"]);
        var back = new MemoryImage();
        await ImageValidator.AssertValidAsync(_registry.ParseImageName($"docker-archive:{saved}"));
        await _copier.CopyAsync(_registry.ParseImageName($"docker-archive:{saved}:localhost/a:1"), new MemoryImageReference(back));
        Assert.Equal(a.ParseManifest().Config.Digest, back.ParseManifest().Config.Digest);

        string savedOci = _dir["saved-oci.tar"];
        await Tool.RunAsync("podman", [.. podman, "save", "--format", "oci-archive", "-o", savedOci, "localhost/c:1"]);
        await ImageValidator.AssertValidAsync(_registry.ParseImageName($"oci-archive:{savedOci}"));
    }

    [ToolFact("umoci")]
    public async Task Umoci_lists_and_stats_our_oci_layout()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        string layout = _dir["layout"];
        await _copier.CopyAsync(new MemoryImageReference(image), _registry.ParseImageName($"oci:{layout}:first"));
        await _copier.CopyAsync(new MemoryImageReference(RandomImage.Create(new RandomImageOptions { Seed = 4 })), _registry.ParseImageName($"oci:{layout}:second"));

        string list = await Tool.RunAsync("umoci", "list", "--layout", layout);
        Assert.Equal(["first", "second"], list.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));

        using JsonDocument stat = JsonDocument.Parse(await Tool.RunAsync("umoci", "stat", "--json", "--image", $"{layout}:first"));
        Assert.Equal(2, stat.RootElement.GetProperty("history").GetArrayLength());
    }
}
