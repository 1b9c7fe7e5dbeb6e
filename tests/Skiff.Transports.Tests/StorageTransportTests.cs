using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;
using Skiff.Storage.StorageTransport;
using Skiff.TestKit;
using Skiff.Transports.Copy;

namespace Skiff.Transports.Tests;

public sealed class StorageTransportTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly Store _store;
    private readonly TransportRegistry _registry;
    private readonly ImageCopier _copier = new();

    public StorageTransportTests()
    {
        _store = Store.Open(new StoreOptions { GraphRoot = _dir["root"], RunRoot = _dir["run"], Driver = "vfs" });
        _registry = TransportRegistry.CreateWithFileTransports().Register(new ContainersStorageTransport(_store));
    }

    public void Dispose()
    {
        _store.Dispose();
        _dir.Dispose();
    }

    private IImageReference Ref(string name) => _registry.ParseImageName(name);

    [Theory]
    [InlineData(Compression.Gzip, false)]
    [InlineData(Compression.None, true)]
    [InlineData(Compression.Zstd, false)]
    public async Task Image_round_trips_through_the_store(Compression compression, bool docker)
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 3, Compression = compression, Docker = docker });
        CopyResult put = await _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/test:1"));

        ImageRecord stored = _store.FindImage("localhost/test:1")!;
        Assert.Equal(image.ParseManifest().Config.Digest.Encoded, stored.Id);
        Assert.Equal(["localhost/test:1"], stored.Names);
        Assert.Equal([$"localhost/test@{put.ManifestDigest}"], stored.RepoDigests);
        Assert.Equal(image.Manifest!.Digest, put.ManifestDigest);

        IImageReference source = Ref("containers-storage:localhost/test:1");
        await ImageValidator.AssertValidAsync(source);
        var back = new MemoryImage();
        await _copier.CopyAsync(source, new MemoryImageReference(back));
        Assert.Equal(image.ParseConfig().RootFs.DiffIds, back.ParseManifest().Layers.Select(l => l.Digest));
        Assert.Equal(image.ParseManifest().Config.Digest, back.ParseManifest().Config.Digest);
        Assert.Equal(docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest, back.Manifest!.MediaType);
    }

    [Fact]
    public async Task Layers_arriving_out_of_order_are_applied_in_order()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 8, FilesPerLayer = 5 });
        await _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/many:1"), new CopyOptions { MaxParallelLayers = 4 });
        await ImageValidator.AssertValidAsync(Ref("containers-storage:localhost/many:1"));
    }

    [Fact]
    public async Task Second_copy_of_the_same_layers_reuses_them()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 3 });
        await _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/a:1"));
        int layersBefore = _store.ListLayers().Count;

        var events = new List<CopyProgress>();
        await _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/b:1"), new CopyOptions { Progress = new ListProgress(events) });
        Assert.Equal(3, events.Count(e => e.Kind == CopyProgressKind.BlobSkipped));
        Assert.Equal(layersBefore, _store.ListLayers().Count);
        Assert.Equal(["localhost/b:1", "localhost/a:1"], _store.FindImage("localhost/a:1")!.Names.Order(StringComparer.Ordinal).Reverse());
    }

    [Fact]
    public async Task Layer_known_on_another_parent_is_reused_by_copying_it_within_the_store()
    {
        var random = new Random(9);
        (byte[] baseA, Digest baseADiff) = RandomImage.CreateLayerTar(random, 2, 1000, "a");
        (byte[] baseB, Digest baseBDiff) = RandomImage.CreateLayerTar(random, 2, 1000, "b");
        (byte[] shared, Digest sharedDiff) = RandomImage.CreateLayerTar(random, 2, 1000, "shared");
        MemoryImage first = Build([baseA, shared], [baseADiff, sharedDiff]);
        MemoryImage second = Build([baseB, shared], [baseBDiff, sharedDiff]);

        await _copier.CopyAsync(new MemoryImageReference(first), Ref("containers-storage:localhost/first:1"));
        var events = new List<CopyProgress>();
        await _copier.CopyAsync(new MemoryImageReference(second), Ref("containers-storage:localhost/second:1"), new CopyOptions { Progress = new ListProgress(events) });

        Assert.Single(events, e => e.Kind == CopyProgressKind.BlobSkipped);
        Assert.Equal(2, _store.ListLayers().Count(l => l.DiffId == sharedDiff));
        await ImageValidator.AssertValidAsync(Ref("containers-storage:localhost/second:1"));
    }

    [Fact]
    public async Task A_layer_repeated_in_one_image_is_fetched_once()
    {
        var random = new Random(5);
        (byte[] a, Digest aDiff) = RandomImage.CreateLayerTar(random, 3, 100_000, "a");
        (byte[] b, Digest bDiff) = RandomImage.CreateLayerTar(random, 3, 100_000, "b");
        MemoryImage image = Build([a, b, a], [aDiff, bDiff, aDiff]);
        var events = new List<CopyProgress>();
        await _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/again:1"),
            new CopyOptions { Progress = new ListProgress(events), MaxParallelLayers = 3 }).WaitAsync(TimeSpan.FromMinutes(2));
        // The third layer waits for the first one's lock, then finds it stored.
        Assert.Single(events, e => e.Kind == CopyProgressKind.BlobSkipped);
        await ImageValidator.AssertValidAsync(Ref("containers-storage:localhost/again:1"));
    }

    [Fact]
    public async Task Two_stores_on_one_root_pulling_layers_in_opposite_orders_fetch_each_once_and_finish()
    {
        var random = new Random(6);
        (byte[] p, Digest pDiff) = RandomImage.CreateLayerTar(random, 3, 200_000, "p");
        (byte[] q, Digest qDiff) = RandomImage.CreateLayerTar(random, 3, 200_000, "q");
        MemoryImage first = Build([p, q], [pDiff, qDiff]);
        MemoryImage second = Build([q, p], [qDiff, pDiff]);
        // A second instance on the same directories stands in for a second process: its flocks are its own.
        using Store other = Store.Open(_store.Options);
        TransportRegistry otherRegistry = TransportRegistry.CreateWithFileTransports().Register(new ContainersStorageTransport(other));
        var events = new List<CopyProgress>();
        var progress = new ListProgress(events);
        await Task.WhenAll(
            Task.Run(() => _copier.CopyAsync(new MemoryImageReference(first), Ref("containers-storage:localhost/pq:1"), new CopyOptions { Progress = progress })),
            Task.Run(() => new ImageCopier().CopyAsync(new MemoryImageReference(second), otherRegistry.ParseImageName("containers-storage:localhost/qp:1"), new CopyOptions { Progress = progress })))
            .WaitAsync(TimeSpan.FromMinutes(2));
        // Whichever copy locked a layer first fetched it; the other waited and found it stored.
        Assert.Equal(2, events.Count(e => e.Kind == CopyProgressKind.BlobStarted));
        Assert.Equal(2, events.Count(e => e.Kind == CopyProgressKind.BlobSkipped));
        await ImageValidator.AssertValidAsync(Ref("containers-storage:localhost/pq:1"));
        await ImageValidator.AssertValidAsync(Ref("containers-storage:localhost/qp:1"));
    }

    private static MemoryImage Build(byte[][] tars, Digest[] diffIds)
    {
        var image = new MemoryImage();
        var layers = tars.Select(t =>
        {
            byte[] gz = RandomImage.Compress(t, Compression.Gzip);
            return new Descriptor { MediaType = MediaTypes.OciLayerGzip, Digest = image.AddBlob(gz), Size = gz.Length };
        }).ToList();
        byte[] config = new ImageConfig { Architecture = "amd64", Os = "linux", RootFs = new RootFs { DiffIds = [.. diffIds] } }.ToJson();
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = image.AddBlob(config), Size = config.Length },
            Layers = layers,
        };
        image.Manifest = new ManifestBlob(manifest.ToJson(), MediaTypes.OciManifest);
        return image;
    }

    [Fact]
    public async Task Corrupt_layer_stores_no_image()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        Descriptor layer = image.ParseManifest().Layers[1];
        image.Blobs[layer.Digest] = [.. image.Blobs[layer.Digest], 1, 2, 3];
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/bad:1")));
        Assert.Empty(_store.ListImages());
        Assert.DoesNotContain(_store.ListLayers(), l => l.DiffId == image.ParseConfig().RootFs.DiffIds[1]);
    }

    [Fact]
    public async Task Config_lying_about_diff_ids_stores_no_image()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 1, Compression = Compression.None });
        ImageConfig config = image.ParseConfig();
        byte[] lying = (config with { RootFs = new RootFs { DiffIds = [Digest.Compute("other"u8)] } }).ToJson();
        Digest d = image.AddBlob(lying);
        ImageManifest m = image.ParseManifest();
        image.Manifest = new ManifestBlob((m with { Config = m.Config with { Digest = d, Size = lying.Length } }).ToJson(), MediaTypes.OciManifest);
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(image), Ref("containers-storage:localhost/liar:1")));
        Assert.Empty(_store.ListImages());
    }

    [Fact]
    public async Task Docker_archive_loads_into_the_store_and_saves_back()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2 });
        string archive = _dir["in.tar"];
        await _copier.CopyAsync(new MemoryImageReference(image), Ref($"docker-archive:{archive}:localhost/loaded:v1"));
        await _copier.CopyAsync(Ref($"docker-archive:{archive}"), Ref("containers-storage:localhost/loaded:v1"));

        string saved = _dir["out.tar"];
        await _copier.CopyAsync(Ref("containers-storage:localhost/loaded:v1"), Ref($"docker-archive:{saved}:localhost/loaded:v1"));
        await ImageValidator.AssertValidAsync(Ref($"docker-archive:{saved}"));
        var back = new MemoryImage();
        await _copier.CopyAsync(Ref($"docker-archive:{saved}"), new MemoryImageReference(back));
        Assert.Equal(image.ParseManifest().Config.Digest, back.ParseManifest().Config.Digest);
    }

    [Fact]
    public async Task Nameless_destination_stores_an_untagged_image()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 1 });
        var transport = (ContainersStorageTransport)_registry.Get("containers-storage")!;
        CopyResult r = await _copier.CopyAsync(new MemoryImageReference(image), transport.NewReference(null));
        ImageRecord stored = _store.FindImage(r.ConfigDigest.Encoded)!;
        Assert.True(stored.IsDangling);
        await ImageValidator.AssertValidAsync(transport.NewReference(null, stored.Id));
    }

    [Theory]
    [InlineData("busybox", "docker.io/library/busybox:latest", null)]
    [InlineData("localhost/busybox", "localhost/busybox:latest", null)]
    [InlineData("quay.io/a/b:v1@0123456789012345678901234567890123456789012345678901234567890123", "quay.io/a/b:v1", "0123456789012345678901234567890123456789012345678901234567890123")]
    [InlineData("@0123456789012345678901234567890123456789012345678901234567890123", null, "0123456789012345678901234567890123456789012345678901234567890123")]
    public void Parses_references(string input, string? name, string? id)
    {
        var r = (StorageReference)Ref($"containers-storage:{input}");
        Assert.Equal(name, r.Name?.ToString());
        Assert.Equal(id, r.ImageId);
        var again = (StorageReference)Ref($"containers-storage:{r.StringWithinTransport}");
        Assert.Equal(r.StringWithinTransport, again.StringWithinTransport);
    }

    [Theory]
    [InlineData("")]
    [InlineData("[vfs@/var/lib/x]busybox")]
    [InlineData("Upper/Case")]
    public void Rejects_bad_references(string input) =>
        Assert.Throws<ReferenceFormatException>(() => Ref($"containers-storage:{input}"));

    [Fact]
    public async Task Unknown_image_is_reported_by_name()
    {
        var e = await Assert.ThrowsAsync<ImageNotFoundException>(() => Ref("containers-storage:localhost/nothing:1").OpenSourceAsync());
        Assert.Contains("localhost/nothing", e.Message);
    }

    private sealed class ListProgress(List<CopyProgress> events) : IProgress<CopyProgress>
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
