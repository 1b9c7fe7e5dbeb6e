using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.TestKit;

/// <summary>What <see cref="RandomImage"/> builds.</summary>
public sealed record RandomImageOptions
{
    public int Layers { get; init; } = 3;
    public int FilesPerLayer { get; init; } = 3;
    public int MaxFileSize { get; init; } = 4096;
    public Compression Compression { get; init; } = Compression.Gzip;

    /// <summary>Docker v2 schema 2 media types instead of OCI.</summary>
    public bool Docker { get; init; }

    public Platform? Platform { get; init; }
    public int Seed { get; init; } = 1;
}

/// <summary>
/// Builds images from random content: every layer is a real tar (optionally gzip or zstd compressed), the config's
/// diff_ids and history match the layers, so the image passes <see cref="ImageValidator"/>.
/// </summary>
public static class RandomImage
{
    public static MemoryImage Create(RandomImageOptions? options = null)
    {
        var image = new MemoryImage();
        image.Manifest = AddImage(image, options ?? new RandomImageOptions());
        return image;
    }

    public static MemoryImage Create(int layers, Compression compression = Compression.Gzip, bool docker = false, int seed = 1) =>
        Create(new RandomImageOptions { Layers = layers, Compression = compression, Docker = docker, Seed = seed });

    /// <summary>An index (or Docker manifest list) with one random image per platform.</summary>
    public static MemoryImage CreateIndex(IReadOnlyList<Platform> platforms, RandomImageOptions? options = null)
    {
        options ??= new RandomImageOptions();
        var image = new MemoryImage();
        var entries = new List<Descriptor>();
        for (int i = 0; i < platforms.Count; i++)
        {
            ManifestBlob m = AddImage(image, options with { Platform = platforms[i], Seed = options.Seed * 1000 + i });
            image.Instances[m.Digest] = m;
            entries.Add(new Descriptor { MediaType = m.MediaType, Digest = m.Digest, Size = m.Bytes.Length, Platform = platforms[i] });
        }
        var index = new ImageIndex
        {
            MediaType = options.Docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex,
            Manifests = entries,
        };
        image.Manifest = new ManifestBlob(index.ToJson(), index.MediaType);
        return image;
    }

    /// <summary>
    /// Images that share their base: each has the same <paramref name="sharedLayers"/> first layers (same blobs) and
    /// then <paramref name="ownLayers"/> of its own, and its own config.
    /// </summary>
    public static MemoryImage[] CreateSharingBase(int images, int sharedLayers, int ownLayers, RandomImageOptions? options = null)
    {
        options ??= new RandomImageOptions();
        var random = new Random(options.Seed);
        var shared = new List<(byte[] Blob, Digest DiffId)>();
        for (int i = 0; i < sharedLayers; i++)
        {
            (byte[] tar, Digest diffId) = CreateLayerTar(random, options.FilesPerLayer, options.MaxFileSize, $"base{i}-{options.Seed}");
            shared.Add((Compress(tar, options.Compression), diffId));
        }
        var result = new MemoryImage[images];
        for (int k = 0; k < images; k++)
        {
            var image = new MemoryImage();
            image.Manifest = AddImage(image, options with { Layers = ownLayers, Seed = options.Seed * 100 + k + 1 }, shared);
            result[k] = image;
        }
        return result;
    }

    /// <summary>A layer tar with random files, and its DiffID.</summary>
    public static (byte[] Tar, Digest DiffId) CreateLayerTar(Random random, int files, int maxFileSize, string prefix)
    {
        using var ms = new MemoryStream();
        using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, prefix + "/") { Mode = (UnixFileMode)493 /* 0755 */ });
            for (int f = 0; f < files; f++)
            {
                byte[] data = new byte[random.Next(0, maxFileSize + 1)];
                random.NextBytes(data);
                writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"{prefix}/file{f}.bin")
                {
                    Mode = (UnixFileMode)420 /* 0644 */,
                    ModificationTime = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + f),
                    DataStream = new MemoryStream(data),
                });
            }
        }
        byte[] tar = ms.ToArray();
        return (tar, Digest.Compute(tar));
    }

    public static byte[] Compress(byte[] data, Compression compression)
    {
        switch (compression)
        {
            case Compression.None:
                return data;
            case Compression.Gzip:
            {
                using var ms = new MemoryStream();
                using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
                {
                    gz.Write(data);
                }
                return ms.ToArray();
            }
            case Compression.Zstd:
            {
                using var compressor = new ZstdSharp.Compressor(3);
                return compressor.Wrap(data).ToArray();
            }
            default:
                throw new ArgumentOutOfRangeException(nameof(compression));
        }
    }

    private static ManifestBlob AddImage(MemoryImage image, RandomImageOptions options, IReadOnlyList<(byte[] Blob, Digest DiffId)>? baseLayers = null)
    {
        var random = new Random(options.Seed);
        Platform platform = options.Platform ?? new Platform { Os = "linux", Architecture = "amd64" };
        var layers = new List<Descriptor>();
        var diffIds = new List<Digest>();
        var history = new List<HistoryEntry>();
        baseLayers ??= [];
        for (int i = 0; i < baseLayers.Count + options.Layers; i++)
        {
            (byte[] blob, Digest diffId) = i < baseLayers.Count ? baseLayers[i] : MakeLayer(random, options, i);
            Digest digest = image.AddBlob(blob);
            layers.Add(new Descriptor
            {
                MediaType = MediaTypes.LayerFor(options.Compression, options.Docker),
                Digest = digest,
                Size = blob.Length,
            });
            diffIds.Add(diffId);
            history.Add(new HistoryEntry
            {
                Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000 + i),
                CreatedBy = $"/bin/sh -c #(nop) ADD layer {i}",
            });
        }
        var config = new ImageConfig
        {
            Created = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000),
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Config = new ContainerConfig
            {
                Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
                Cmd = ["/bin/sh"],
                Labels = new Dictionary<string, string> { ["seed"] = options.Seed.ToString(System.Globalization.CultureInfo.InvariantCulture) },
            },
            RootFs = new RootFs { DiffIds = diffIds },
            History = history,
        };
        byte[] configBytes = config.ToJson();
        Digest configDigest = image.AddBlob(configBytes);
        var manifest = new ImageManifest
        {
            MediaType = options.Docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest,
            Config = new Descriptor
            {
                MediaType = options.Docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig,
                Digest = configDigest,
                Size = configBytes.Length,
            },
            Layers = layers,
        };
        return new ManifestBlob(manifest.ToJson(), manifest.MediaType!);
    }

    private static (byte[] Blob, Digest DiffId) MakeLayer(Random random, RandomImageOptions options, int i)
    {
        (byte[] tar, Digest diffId) = CreateLayerTar(random, options.FilesPerLayer, options.MaxFileSize, $"layer{i}-{options.Seed}");
        return (Compress(tar, options.Compression), diffId);
    }

    /// <summary>A short random name usable as a tag or path component.</summary>
    public static string Name(Random random)
    {
        var sb = new StringBuilder("img");
        for (int i = 0; i < 8; i++)
        {
            sb.Append((char)('a' + random.Next(26)));
        }
        return sb.ToString();
    }
}
