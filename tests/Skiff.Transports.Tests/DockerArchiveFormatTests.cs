using System.Formats.Tar;
using System.Text;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.TestKit;
using Skiff.Transports.Copy;
using Skiff.Transports.DockerArchive;

namespace Skiff.Transports.Tests;

/// <summary>The docker-archive layouts written by different docker and podman versions all read the same.</summary>
public sealed class DockerArchiveFormatTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ImageCopier _copier = new();

    public void Dispose() => _dir.Dispose();

    private sealed record Layer(byte[] Tar, Digest DiffId);

    private static (List<Layer> Layers, byte[] Config) MakeImage(int layers, int seed)
    {
        var random = new Random(seed);
        var list = new List<Layer>();
        for (int i = 0; i < layers; i++)
        {
            (byte[] tar, Digest diffId) = RandomImage.CreateLayerTar(random, 2, 2000, $"l{i}");
            list.Add(new Layer(tar, diffId));
        }
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            RootFs = new RootFs { DiffIds = list.Select(l => l.DiffId).ToList() },
        };
        return (list, config.ToJson());
    }

    private static void WriteTar(string path, IEnumerable<(string Name, byte[]? Data, string? Link)> entries)
    {
        using var fs = File.Create(path);
        using var w = new TarWriter(fs, TarEntryFormat.Pax);
        foreach ((string name, byte[]? data, string? link) in entries)
        {
            if (link is not null)
            {
                w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, name) { LinkName = link });
            }
            else if (data is null)
            {
                w.WriteEntry(new PaxTarEntry(TarEntryType.Directory, name));
            }
            else
            {
                w.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, name) { DataStream = new MemoryStream(data) });
            }
        }
    }

    private static byte[] Json(string s) => Encoding.UTF8.GetBytes(s);

    private async Task<MemoryImage> LoadAsync(string reference)
    {
        IImageReference r = TransportRegistry.CreateWithFileTransports().ParseImageName(reference);
        await ImageValidator.AssertValidAsync(r);
        var back = new MemoryImage();
        await _copier.CopyAsync(r, new MemoryImageReference(back));
        return back;
    }

    [Fact]
    public async Task Reads_old_docker_layout_with_layer_directories()
    {
        (List<Layer> layers, byte[] config) = MakeImage(2, 1);
        Digest configDigest = Digest.Compute(config);
        string path = _dir["old.tar"];
        WriteTar(path,
        [
            ("aaaa/", null, null),
            ("aaaa/VERSION", Json("1.0"), null),
            ("aaaa/json", Json("{\"id\":\"aaaa\"}"), null),
            ("aaaa/layer.tar", layers[0].Tar, null),
            ("bbbb/", null, null),
            ("bbbb/layer.tar", layers[1].Tar, null),
            ($"{configDigest.Encoded}.json", config, null),
            ("manifest.json", Json($"[{{\"Config\":\"{configDigest.Encoded}.json\",\"RepoTags\":[\"busybox:latest\"],\"Layers\":[\"aaaa/layer.tar\",\"bbbb/layer.tar\"]}}]"), null),
            ("repositories", Json("{\"busybox\":{\"latest\":\"bbbb\"}}"), null),
        ]);
        MemoryImage back = await LoadAsync($"docker-archive:{path}");
        Assert.Equal(layers.Select(l => l.DiffId), back.ParseManifest().Layers.Select(l => l.Digest));

        await using IImageSource src = await new DockerArchiveReference(path).OpenSourceAsync();
        Assert.Equal(["busybox:latest"], ((DockerArchiveSource)src).RepoTags);
        // Short names in RepoTags match their normalised form.
        await LoadAsync($"docker-archive:{path}:docker.io/library/busybox:latest");
    }

    [Fact]
    public async Task Reads_new_docker_layout_with_oci_blobs()
    {
        (List<Layer> layers, byte[] config) = MakeImage(2, 2);
        Digest configDigest = Digest.Compute(config);
        string path = _dir["new.tar"];
        var entries = new List<(string, byte[]?, string?)> { ("blobs/", null, null), ("blobs/sha256/", null, null) };
        entries.AddRange(layers.Select(l => ($"blobs/sha256/{l.DiffId.Encoded}", (byte[]?)l.Tar, (string?)null)));
        entries.Add(($"blobs/sha256/{configDigest.Encoded}", config, null));
        string layerList = string.Join(",", layers.Select(l => $"\"blobs/sha256/{l.DiffId.Encoded}\""));
        entries.Add(("manifest.json", Json($"[{{\"Config\":\"blobs/sha256/{configDigest.Encoded}\",\"RepoTags\":[\"example.com/a:1\"],\"Layers\":[{layerList}],\"LayerSources\":null}}]"), null));
        WriteTar(path, entries);
        MemoryImage back = await LoadAsync($"docker-archive:{path}:example.com/a:1");
        Assert.Equal(configDigest, back.ParseManifest().Config.Digest);
    }

    [Fact]
    public async Task Reads_gzip_compressed_and_symlinked_layers()
    {
        (List<Layer> layers, byte[] config) = MakeImage(2, 3);
        Digest configDigest = Digest.Compute(config);
        byte[] gz = RandomImage.Compress(layers[0].Tar, Compression.Gzip);
        string path = _dir["gz.tar"];
        WriteTar(path,
        [
            ($"{layers[0].DiffId.Encoded}.tar", gz, null),
            ($"{layers[1].DiffId.Encoded}.tar", layers[1].Tar, null),
            ("x1/layer.tar", null, $"../{layers[0].DiffId.Encoded}.tar"),
            ("x2/layer.tar", null, $"../{layers[1].DiffId.Encoded}.tar"),
            ($"{configDigest.Encoded}.json", config, null),
            ("manifest.json", Json($"[{{\"Config\":\"{configDigest.Encoded}.json\",\"RepoTags\":null,\"Layers\":[\"x1/layer.tar\",\"x2/layer.tar\"]}}]"), null),
        ]);
        MemoryImage back = await LoadAsync($"docker-archive:{path}");
        ImageManifest m = back.ParseManifest();
        Assert.Equal(MediaTypes.DockerLayerGzip, m.Layers[0].MediaType);
        Assert.Equal(Digest.Compute(gz), m.Layers[0].Digest);
        Assert.Equal(MediaTypes.DockerLayer, m.Layers[1].MediaType);

        // Copying it into another archive stores every layer uncompressed, checked against the DiffIDs.
        string again = _dir["again.tar"];
        await _copier.CopyAsync(new DockerArchiveReference(path), new DockerArchiveReference(again, Reference.Parse("localhost/x:1")));
        MemoryImage reread = await LoadAsync($"docker-archive:{again}");
        Assert.All(reread.ParseManifest().Layers, l => Assert.Equal(MediaTypes.DockerLayer, l.MediaType));
        Assert.Equal(layers.Select(l => l.DiffId), reread.ParseManifest().Layers.Select(l => l.Digest));
    }

    [Fact]
    public async Task Layer_count_differing_from_diff_ids_is_malformed()
    {
        (List<Layer> layers, byte[] config) = MakeImage(2, 4);
        Digest configDigest = Digest.Compute(config);
        string path = _dir["short.tar"];
        WriteTar(path,
        [
            ("a.tar", layers[0].Tar, null),
            ($"{configDigest.Encoded}.json", config, null),
            ("manifest.json", Json($"[{{\"Config\":\"{configDigest.Encoded}.json\",\"Layers\":[\"a.tar\"]}}]"), null),
        ]);
        await Assert.ThrowsAsync<MalformedImageException>(() => new DockerArchiveReference(path).OpenSourceAsync());
    }

    [Fact]
    public async Task Layer_not_matching_its_diff_id_fails_the_copy()
    {
        (List<Layer> layers, byte[] config) = MakeImage(1, 5);
        Digest configDigest = Digest.Compute(config);
        byte[] tampered = (byte[])layers[0].Tar.Clone();
        tampered[600] ^= 1;
        string path = _dir["tampered.tar"];
        WriteTar(path,
        [
            ("l.tar", tampered, null),
            ($"{configDigest.Encoded}.json", config, null),
            ("manifest.json", Json($"[{{\"Config\":\"{configDigest.Encoded}.json\",\"Layers\":[\"l.tar\"]}}]"), null),
        ]);
        var dest = new MemoryImage();
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new DockerArchiveReference(path), new MemoryImageReference(dest)));
        Assert.True(dest.IsEmpty);
    }

    [Fact]
    public async Task Written_archive_has_podman_layout()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2, Compression = Compression.Gzip });
        string path = _dir["p.tar"];
        await _copier.CopyAsync(new MemoryImageReference(image), new DockerArchiveReference(path, Reference.Parse("localhost/busybox:latest")));

        var names = new List<string>();
        using (var reader = new TarReader(File.OpenRead(path)))
        {
            while (reader.GetNextEntry() is { } e)
            {
                names.Add(e.Name);
            }
        }
        ImageConfig config = image.ParseConfig();
        Digest configDigest = image.ParseManifest().Config.Digest;
        Assert.Contains($"{config.RootFs.DiffIds[0].Encoded}.tar", names);
        Assert.Contains($"{config.RootFs.DiffIds[1].Encoded}.tar", names);
        Assert.Contains($"{configDigest.Encoded}.json", names);
        Assert.Equal(2, names.Count(n => n.EndsWith("/layer.tar", StringComparison.Ordinal)));
        Assert.Equal(["manifest.json", "repositories"], names[^2..]);

        IReadOnlyList<DockerArchiveManifestItem> items = await DockerArchiveSource.ListImagesAsync(path);
        Assert.Equal(["localhost/busybox:latest"], items.Single().RepoTags!);
    }

    [Theory]
    [InlineData("/tmp/x.tar", "/tmp/x.tar", null, -1)]
    [InlineData("/tmp/x.tar:busybox", "/tmp/x.tar", "docker.io/library/busybox:latest", -1)]
    [InlineData("/tmp/x.tar:localhost/a/b:v2", "/tmp/x.tar", "localhost/a/b:v2", -1)]
    [InlineData("/tmp/x.tar:@3", "/tmp/x.tar", null, 3)]
    public void Parses_references(string input, string path, string? tag, int index)
    {
        var r = (DockerArchiveReference)DockerArchiveTransport.Instance.ParseReference(input);
        Assert.Equal(path, r.Path);
        Assert.Equal(tag, r.Tag?.ToString());
        Assert.Equal(index, r.SourceIndex);
        var again = (DockerArchiveReference)DockerArchiveTransport.Instance.ParseReference(r.StringWithinTransport);
        Assert.Equal(r.StringWithinTransport, again.StringWithinTransport);
    }

    [Theory]
    [InlineData("")]
    [InlineData("/tmp/x.tar:@x")]
    [InlineData("/tmp/x.tar:busybox@sha256:0123456789012345678901234567890123456789012345678901234567890123")]
    [InlineData("/tmp/x.tar:UPPER")]
    public void Rejects_bad_references(string input) =>
        Assert.Throws<ReferenceFormatException>(() => DockerArchiveTransport.Instance.ParseReference(input));
}

public sealed class ImageArchivesTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ImageCopier _copier = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Detects_formats_by_content_and_lists_images()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 1 });
        TransportRegistry registry = TransportRegistry.CreateWithFileTransports();
        await _copier.CopyAsync(new MemoryImageReference(image), registry.ParseImageName($"docker-archive:{_dir["a.bin"]}:localhost/a:1"));
        await _copier.CopyAsync(new MemoryImageReference(image), registry.ParseImageName($"oci-archive:{_dir["b.bin"]}:localhost/b:2"));
        await _copier.CopyAsync(new MemoryImageReference(image), registry.ParseImageName($"oci:{_dir["c"]}:one"));
        await _copier.CopyAsync(new MemoryImageReference(image), registry.ParseImageName($"oci:{_dir["c"]}:two"));
        await _copier.CopyAsync(new MemoryImageReference(image), registry.ParseImageName($"dir:{_dir["d"]}"));

        Assert.Equal("docker-archive", await ImageArchives.DetectTransportAsync(_dir["a.bin"]));
        Assert.Equal("oci-archive", await ImageArchives.DetectTransportAsync(_dir["b.bin"]));
        Assert.Equal("oci", await ImageArchives.DetectTransportAsync(_dir["c"]));
        Assert.Equal("dir", await ImageArchives.DetectTransportAsync(_dir["d"]));

        Assert.Equal(["localhost/a:1"], (await ImageArchives.ListAsync(_dir["a.bin"])).Single().Names);
        Assert.Equal(["localhost/b:2"], (await ImageArchives.ListAsync(_dir["b.bin"])).Single().Names);
        IReadOnlyList<ArchivedImage> layout = await ImageArchives.ListAsync(_dir["c"]);
        Assert.Equal(["one", "two"], layout.SelectMany(i => i.Names));
        foreach (ArchivedImage i in layout)
        {
            await ImageValidator.AssertValidAsync(i.Reference);
        }

        File.WriteAllText(_dir["junk.tar"], "not a tar at all, not even close, really not.");
        await Assert.ThrowsAnyAsync<MalformedImageException>(() => ImageArchives.DetectTransportAsync(_dir["junk.tar"]));
    }

    [Fact]
    public async Task Symlink_loop_in_a_docker_archive_is_malformed()
    {
        string path = _dir["loop.tar"];
        using (var fs = File.Create(path))
        using (var w = new TarWriter(fs, TarEntryFormat.Pax))
        {
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "manifest.json") { LinkName = "a" });
            w.WriteEntry(new PaxTarEntry(TarEntryType.SymbolicLink, "a") { LinkName = "manifest.json" });
        }
        await Assert.ThrowsAsync<MalformedImageException>(() => new DockerArchiveReference(path).OpenSourceAsync());
    }
}
