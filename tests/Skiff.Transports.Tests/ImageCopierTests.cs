using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.TestKit;
using Skiff.Transports.Copy;

namespace Skiff.Transports.Tests;

public sealed class ImageCopierTests
{
    private readonly ImageCopier _copier = new();

    private static readonly Platform Amd64 = new() { Os = "linux", Architecture = "amd64" };
    private static readonly Platform Arm64 = new() { Os = "linux", Architecture = "arm64", Variant = "v8" };

    [Fact]
    public async Task Copy_of_an_index_picks_the_requested_platform()
    {
        MemoryImage index = RandomImage.CreateIndex([Amd64, Arm64]);
        var dest = new MemoryImage();
        CopyResult r = await _copier.CopyAsync(new MemoryImageReference(index), new MemoryImageReference(dest), new CopyOptions { Platform = Arm64 });

        Assert.Equal(MediaTypes.OciManifest, dest.Manifest!.MediaType);
        Assert.Equal("arm64", dest.ParseConfig().Architecture);
        Assert.Equal(dest.Manifest.Digest, r.ManifestDigest);
        Assert.Empty(dest.Instances);
    }

    [Fact]
    public async Task Copy_of_an_index_without_the_platform_names_what_was_missing()
    {
        MemoryImage index = RandomImage.CreateIndex([Amd64]);
        var e = await Assert.ThrowsAsync<ImageNotFoundException>(() => _copier.CopyAsync(
            new MemoryImageReference(index), new MemoryImageReference(new MemoryImage()),
            new CopyOptions { Platform = new Platform { Os = "linux", Architecture = "s390x" } }));
        Assert.Contains("s390x", e.Message);
    }

    [Fact]
    public async Task Copy_all_keeps_the_index_and_every_instance()
    {
        MemoryImage index = RandomImage.CreateIndex([Amd64, Arm64]);
        var dest = new MemoryImage();
        CopyResult r = await _copier.CopyAsync(new MemoryImageReference(index), new MemoryImageReference(dest), new CopyOptions { All = true, Platform = Amd64 });

        Assert.Equal(index.Manifest!.Digest, dest.Manifest!.Digest);
        Assert.Equal(2, dest.Instances.Count);
        Assert.Equal(r.ManifestDigest, index.Manifest.Digest);
        Assert.Equal(index.ParseManifest(index.Instances.Keys.First(k => index.ParseConfig(k).Architecture == "amd64")).Config.Digest, r.ConfigDigest);
        await ImageValidator.AssertValidAsync(new MemoryImageReference(dest));
    }

    [Fact]
    public async Task Copy_all_to_an_oci_layout_and_back_is_valid()
    {
        using var dir = new TempDir();
        MemoryImage index = RandomImage.CreateIndex([Amd64, Arm64], new RandomImageOptions { Docker = true });
        IImageReference oci = OciRef(dir.Path, "multi");
        await _copier.CopyAsync(new MemoryImageReference(index), oci, new CopyOptions { All = true });
        await ImageValidator.AssertValidAsync(oci);

        var back = new MemoryImage();
        await _copier.CopyAsync(oci, new MemoryImageReference(back), new CopyOptions { All = true });
        // The layout holds OCI only: the Docker list and its manifests were converted, the configs kept.
        Assert.Equal(MediaTypes.OciIndex, back.Manifest!.MediaType);
        Assert.All(back.Instances.Values, m => Assert.Equal(MediaTypes.OciManifest, m.MediaType));
        Assert.Equal(
            index.Instances.Keys.Select(k => index.ParseManifest(k).Config.Digest.ToString()).Order(StringComparer.Ordinal),
            back.Instances.Keys.Select(k => back.ParseManifest(k).Config.Digest.ToString()).Order(StringComparer.Ordinal));
        ImageIndex backIndex = ImageIndex.Parse(back.Manifest.Bytes);
        Assert.Equal([Amd64, Arm64], backIndex.Manifests.Select(d => d.Platform!));
    }

    [Fact]
    public async Task Copy_all_to_a_destination_without_lists_fails_before_writing()
    {
        using var dir = new TempDir();
        MemoryImage index = RandomImage.CreateIndex([Amd64, Arm64]);
        await Assert.ThrowsAsync<SkiffException>(() => _copier.CopyAsync(
            new MemoryImageReference(index), Ref($"docker-archive:{dir["x.tar"]}"), new CopyOptions { All = true }));
        Assert.Empty(Directory.GetFileSystemEntries(dir.Path));
    }

    [Theory]
    [InlineData(Compression.Gzip, Compression.Zstd)]
    [InlineData(Compression.Zstd, Compression.Gzip)]
    [InlineData(Compression.Gzip, Compression.None)]
    [InlineData(Compression.None, Compression.Gzip)]
    public async Task Compression_conversion_recompresses_and_keeps_diff_ids(Compression from, Compression to)
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Compression = from, Layers = 4 });
        var dest = new MemoryImage();
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(dest), new CopyOptions { Compression = to });

        ImageManifest m = dest.ParseManifest();
        Assert.All(m.Layers, l => Assert.Equal(MediaTypes.LayerFor(to, docker: false), l.MediaType));
        Assert.Equal(source.ParseConfig().RootFs.DiffIds, dest.ParseConfig().RootFs.DiffIds);
        Assert.NotEqual(source.Manifest!.Digest, dest.Manifest!.Digest);
        await ImageValidator.AssertValidAsync(new MemoryImageReference(dest));
    }

    [Fact]
    public async Task Oci_image_to_a_docker_only_destination_is_converted()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Docker = false });
        var dest = new MemoryImage();
        var target = new MemoryImageReference(dest) { SupportedManifestMediaTypes = [MediaTypes.DockerManifest] };
        await _copier.CopyAsync(new MemoryImageReference(source), target);

        ImageManifest m = dest.ParseManifest();
        Assert.Equal(MediaTypes.DockerManifest, dest.Manifest!.MediaType);
        Assert.Equal(MediaTypes.DockerConfig, m.Config.MediaType);
        Assert.All(m.Layers, l => Assert.Equal(MediaTypes.DockerLayerGzip, l.MediaType));
        Assert.Equal(source.ParseManifest().Layers.Select(l => l.Digest), m.Layers.Select(l => l.Digest));
        await ImageValidator.AssertValidAsync(target);
    }

    [Fact]
    public async Task Requested_manifest_format_converts_docker_to_oci()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Docker = true });
        var dest = new MemoryImage();
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(dest), new CopyOptions { ManifestMediaType = MediaTypes.OciManifest });
        Assert.Equal(MediaTypes.OciManifest, dest.Manifest!.MediaType);
        Assert.All(dest.ParseManifest().Layers, l => Assert.Equal(MediaTypes.OciLayerGzip, l.MediaType));
        await ImageValidator.AssertValidAsync(new MemoryImageReference(dest));
    }

    [Fact]
    public async Task Progress_reports_the_lines_podman_prints_in_order()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        var events = new List<CopyProgress>();
        var progress = new SynchronousProgress(events);
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(new MemoryImage()) { HasThreadSafePutBlob = false },
            new CopyOptions { Progress = progress });

        ImageManifest m = source.ParseManifest();
        string[] expected =
        [
            "Getting image source signatures",
            $"Copying blob {m.Layers[0].Digest}",
            $"Copying blob {m.Layers[0].Digest.Encoded[..12]} done",
            $"Copying blob {m.Layers[1].Digest}",
            $"Copying blob {m.Layers[1].Digest.Encoded[..12]} done",
            $"Copying config {m.Config.Digest}",
            "Writing manifest to image destination",
            "Storing signatures",
        ];
        Assert.Equal(expected, events.Where(e => e.Kind != CopyProgressKind.BlobBytes).Select(e => e.Message));
        // Bytes are counted as they are read, for progress bars; the last count of each blob is its whole size.
        foreach (Descriptor layer in m.Layers)
        {
            Assert.Equal(layer.Size, events.Last(e => e.Kind == CopyProgressKind.BlobBytes && e.Digest == layer.Digest).Bytes);
        }
        Assert.Equal(
            ["Getting image source signatures", $"Copying blob {m.Layers[0].Digest}", $"Copying blob {m.Layers[1].Digest}",
             $"Copying config {m.Config.Digest}", "Writing manifest to image destination", "Storing signatures"],
            events.Select(e => e.Line).OfType<string>());

        events.Clear();
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(new MemoryImage()), new CopyOptions { Progress = progress, RemoveSignatures = true });
        Assert.DoesNotContain(events, e => e.Kind == CopyProgressKind.GettingSignatures);
    }

    [Fact]
    public async Task Blobs_the_destination_has_are_skipped()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 3 });
        var dest = new MemoryImage();
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(dest));
        var again = new MemoryImageReference(dest) { ReuseExistingBlobs = true };
        var events = new List<CopyProgress>();
        await _copier.CopyAsync(new MemoryImageReference(source), again, new CopyOptions { Progress = new SynchronousProgress(events) });

        Assert.Equal(3, events.Count(e => e.Kind == CopyProgressKind.BlobSkipped));
        Assert.Equal(1, again.PutBlobCalls); // the config only
        await ImageValidator.AssertValidAsync(again);
    }

    [Fact]
    public async Task Layers_are_copied_concurrently_when_the_destination_allows()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 8 });
        var dest = new MemoryImage();
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(dest), new CopyOptions { MaxParallelLayers = 3, Compression = Compression.Zstd });
        await ImageValidator.AssertValidAsync(new MemoryImageReference(dest));
    }

    [Fact]
    public async Task Corrupt_source_blob_fails_with_digest_mismatch_and_the_destination_keeps_nothing()
    {
        using var dir = new TempDir();
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        Descriptor layer = source.ParseManifest().Layers[1];
        byte[] bad = (byte[])source.Blobs[layer.Digest].Clone();
        bad[^1] ^= 0xff;
        source.Blobs[layer.Digest] = bad;

        IImageReference oci = OciRef(dir["oci"], "x");
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(source), oci));
        Assert.False(File.Exists(Path.Combine(dir["oci"], "index.json")));
        Assert.False(File.Exists(Path.Combine(dir["oci"], "blobs", "sha256", layer.Digest.Encoded)));
        Assert.Empty(Directory.GetFiles(dir["oci"], ".tmp-*"));

        var memory = new MemoryImage();
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(memory)));
        Assert.True(memory.IsEmpty);

        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(source), Ref($"docker-archive:{dir["d.tar"]}:a/b:c")));
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(source), Ref($"oci-archive:{dir["o.tar"]}")));
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(source), Ref($"dir:{dir["d"]}")));
        Assert.False(File.Exists(dir["d.tar"]));
        Assert.False(File.Exists(dir["o.tar"]));
        Assert.False(File.Exists(Path.Combine(dir["d"], "manifest.json")));
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));
        Assert.Empty(Directory.GetFiles(dir["d"]));
    }

    [Fact]
    public async Task Layer_whose_content_differs_from_the_config_diff_id_fails_when_recompressed()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        // Point the config at a different DiffID while keeping every blob self-consistent.
        ImageConfig config = source.ParseConfig();
        ImageConfig lying = config with { RootFs = new RootFs { DiffIds = [config.RootFs.DiffIds[0], Digest.Compute("not this layer"u8)] } };
        ImageManifest m = source.ParseManifest();
        byte[] lyingBytes = lying.ToJson();
        Digest lyingDigest = source.AddBlob(lyingBytes);
        ImageManifest relinked = m with { Config = m.Config with { Digest = lyingDigest, Size = lyingBytes.Length } };
        source.Manifest = new ManifestBlob(relinked.ToJson(), MediaTypes.OciManifest);

        var dest = new MemoryImage();
        var e = await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(
            new MemoryImageReference(source), new MemoryImageReference(dest), new CopyOptions { Compression = Compression.Zstd }));
        Assert.Contains("diff_id", e.Message);
        Assert.True(dest.IsEmpty);
    }

    [Fact]
    public async Task Absurd_declared_layer_size_is_refused()
    {
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 1 });
        ImageManifest m = source.ParseManifest();
        ImageManifest absurd = m with { Layers = [m.Layers[0] with { Size = long.MaxValue / 2 }] };
        source.Manifest = new ManifestBlob(absurd.ToJson(), MediaTypes.OciManifest);
        await Assert.ThrowsAsync<MalformedImageException>(() => _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(new MemoryImage())));

        ImageManifest lying = m with { Layers = [m.Layers[0] with { Size = m.Layers[0].Size + 1000 }] };
        source.Manifest = new ManifestBlob(lying.ToJson(), MediaTypes.OciManifest);
        var dest = new MemoryImage();
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(dest)));
        Assert.True(dest.IsEmpty);
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    [InlineData(Compression.None)]
    public async Task Layer_compression_is_read_from_the_bytes_not_the_label(Compression wanted)
    {
        // c/image's docker-archive source labels plain tars as tar.gzip; such an image must still convert correctly.
        MemoryImage source = RandomImage.Create(new RandomImageOptions { Layers = 2, Compression = Compression.None, Docker = true });
        ImageManifest m = source.ParseManifest();
        ImageManifest mislabelled = m with { Layers = m.Layers.Select(l => l with { MediaType = MediaTypes.DockerLayerGzip }).ToList() };
        source.Manifest = new ManifestBlob(mislabelled.ToJson(), MediaTypes.DockerManifest);

        var dest = new MemoryImage();
        await _copier.CopyAsync(new MemoryImageReference(source), new MemoryImageReference(dest), new CopyOptions { Compression = wanted });
        Assert.All(dest.ParseManifest().Layers, l => Assert.Equal(MediaTypes.LayerFor(wanted, docker: true), l.MediaType));
        await ImageValidator.AssertValidAsync(new MemoryImageReference(dest));

        using var dir = new TempDir();
        await _copier.CopyAsync(new MemoryImageReference(source), Ref($"docker-archive:{dir["d.tar"]}"));
        await ImageValidator.AssertValidAsync(Ref($"docker-archive:{dir["d.tar"]}"));
    }

    private static IImageReference OciRef(string path, string name) => new Oci.OciLayoutReference(path, name);

    private static IImageReference Ref(string name) => TransportRegistry.CreateWithFileTransports().ParseImageName(name);

    private sealed class SynchronousProgress(List<CopyProgress> events) : IProgress<CopyProgress>
    {
        public void Report(CopyProgress value)
        {
            lock (events)
            {
                events.Add(value);
            }
        }
    }
}
