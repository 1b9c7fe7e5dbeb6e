using System.Text.Json;
using Skiff.Archive;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Files;

namespace Skiff.Transports.DockerArchive;

/// <summary>
/// Reads one image of a docker-archive in place. Understands what docker and podman have written over time: layers
/// as <c>ID/layer.tar</c> (old docker, often symlinks), <c>HEX.tar</c> (podman) or <c>blobs/sha256/HEX</c> (docker 25+),
/// plain or compressed (sniffed). The manifest served is a Docker v2 schema 2 one built from manifest.json and the
/// config: a plain layer is named by its DiffID, a compressed one by the digest of its bytes.
/// </summary>
public sealed class DockerArchiveSource : IImageSource
{
    private const long MaxConfigBytes = 64L * 1024 * 1024;

    private readonly TarIndex _tar;
    private readonly byte[] _config;
    private readonly Digest _configDigest;
    private readonly Dictionary<Digest, TarIndex.Entry> _layers;
    private readonly ManifestBlob _manifest;

    private DockerArchiveSource(DockerArchiveReference reference, TarIndex tar, byte[] config, Dictionary<Digest, TarIndex.Entry> layers, ManifestBlob manifest, IReadOnlyList<string> repoTags)
    {
        Reference = reference;
        _tar = tar;
        _config = config;
        _configDigest = Digest.Compute(config);
        _layers = layers;
        _manifest = manifest;
        RepoTags = repoTags;
    }

    public IImageReference Reference { get; }

    /// <summary>The names the archive gives this image (what <c>podman load</c> tags it with).</summary>
    public IReadOnlyList<string> RepoTags { get; }

    /// <summary>Lists the images of an archive in manifest.json order (their <c>@N</c> positions).</summary>
    public static async Task<IReadOnlyList<DockerArchiveManifestItem>> ListImagesAsync(string path, CancellationToken cancellationToken = default)
    {
        TarIndex tar = await OpenTarAsync(path, cancellationToken).ConfigureAwait(false);
        return await ReadManifestAsync(tar, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<DockerArchiveSource> OpenAsync(DockerArchiveReference reference, CancellationToken cancellationToken)
    {
        TarIndex tar = await OpenTarAsync(reference.Path, cancellationToken).ConfigureAwait(false);
        List<DockerArchiveManifestItem> items = await ReadManifestAsync(tar, cancellationToken).ConfigureAwait(false);
        DockerArchiveManifestItem item = Select(items, reference);

        byte[] config = await ReadMemberAsync(tar, item.Config, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
        ImageConfig parsed = ImageConfig.Parse(config);
        if (parsed.RootFs.DiffIds.Count != item.Layers.Count)
        {
            throw new MalformedImageException($"archive {tar.Path}: {item.Layers.Count} layers but the config has {parsed.RootFs.DiffIds.Count} diff_ids");
        }
        var layers = new Dictionary<Digest, TarIndex.Entry>();
        var descriptors = new List<Descriptor>();
        for (int i = 0; i < item.Layers.Count; i++)
        {
            TarIndex.Entry entry = tar.Resolve(item.Layers[i])
                ?? throw new MalformedImageException($"archive {tar.Path}: layer \"{item.Layers[i]}\" is missing");
            Compression compression = await SniffAsync(tar, entry, cancellationToken).ConfigureAwait(false);
            Digest digest = compression == Compression.None
                ? parsed.RootFs.DiffIds[i]
                : await HashAsync(tar, entry, cancellationToken).ConfigureAwait(false);
            layers[digest] = entry;
            descriptors.Add(new Descriptor { MediaType = MediaTypes.LayerFor(compression, docker: true), Digest = digest, Size = entry.Length });
        }
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.DockerManifest,
            Config = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = Digest.Compute(config), Size = config.Length },
            Layers = descriptors,
        };
        return new DockerArchiveSource(reference, tar, config, layers, new ManifestBlob(manifest.ToJson(), MediaTypes.DockerManifest), item.RepoTags ?? []);
    }

    public Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is { } i && i != _manifest.Digest)
        {
            throw new ImageNotFoundException($"archive {_tar.Path} has no manifest {i}");
        }
        return Task.FromResult(_manifest);
    }

    public Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default)
    {
        if (blob.Digest == _configDigest)
        {
            return Task.FromResult<Stream>(new MemoryStream(_config, writable: false));
        }
        if (_layers.TryGetValue(blob.Digest, out TarIndex.Entry? entry))
        {
            return Task.FromResult(_tar.Open(entry));
        }
        throw new ImageNotFoundException($"archive {_tar.Path} has no blob {blob.Digest}");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private static async Task<TarIndex> OpenTarAsync(string path, CancellationToken cancellationToken)
    {
        if (!File.Exists(path))
        {
            throw new ImageNotFoundException($"archive {path} does not exist");
        }
        return await TarIndex.ReadAsync(path, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<List<DockerArchiveManifestItem>> ReadManifestAsync(TarIndex tar, CancellationToken cancellationToken)
    {
        byte[] bytes = await ReadMemberAsync(tar, "manifest.json", ImageManifest.MaxBytes, cancellationToken).ConfigureAwait(false);
        try
        {
            List<DockerArchiveManifestItem> items = JsonSerializer.Deserialize(bytes, TransportJsonContext.Default.ListDockerArchiveManifestItem)
                ?? throw new MalformedImageException($"archive {tar.Path}: manifest.json is null");
            return items;
        }
        catch (JsonException e)
        {
            throw new MalformedImageException($"archive {tar.Path}: invalid manifest.json: {e.Message}", e);
        }
    }

    private static DockerArchiveManifestItem Select(List<DockerArchiveManifestItem> items, DockerArchiveReference reference)
    {
        string path = reference.Path;
        if (reference.SourceIndex >= 0)
        {
            return reference.SourceIndex < items.Count
                ? items[reference.SourceIndex]
                : throw new ImageNotFoundException($"archive {path}: invalid index @{reference.SourceIndex}, the archive has {items.Count} images");
        }
        if (reference.Tag is { } tag)
        {
            string want = tag.ToString();
            foreach (DockerArchiveManifestItem item in items)
            {
                foreach (string repoTag in item.RepoTags ?? [])
                {
                    if (Image.Reference.TryParse(repoTag, out Reference? r) && r!.ToString() == want)
                    {
                        return item;
                    }
                }
            }
            throw new ImageNotFoundException($"archive {path}: tag {tag} not found");
        }
        return items.Count switch
        {
            1 => items[0],
            0 => throw new MalformedImageException($"archive {path} contains no images"),
            _ => throw new ImageNotFoundException($"archive {path} contains {items.Count} images: choose one with :NAME:TAG or :@INDEX"),
        };
    }

    private static async Task<byte[]> ReadMemberAsync(TarIndex tar, string name, long max, CancellationToken cancellationToken)
    {
        TarIndex.Entry entry = tar.Resolve(name) ?? throw new MalformedImageException($"archive {tar.Path}: {name} is missing");
        await using Stream s = tar.Open(entry);
        return await AtomicFile.ReadSmallFileAsync(s, max, $"archive {tar.Path}: {name}", cancellationToken).ConfigureAwait(false);
    }

    private static async Task<Compression> SniffAsync(TarIndex tar, TarIndex.Entry entry, CancellationToken cancellationToken)
    {
        await using Stream s = tar.Open(entry);
        byte[] head = new byte[8];
        int n = await s.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return Compressors.Detect(head.AsSpan(0, n));
    }

    private static async Task<Digest> HashAsync(TarIndex tar, TarIndex.Entry entry, CancellationToken cancellationToken)
    {
        await using Stream s = tar.Open(entry);
        return await Digest.ComputeAsync(s, cancellationToken).ConfigureAwait(false);
    }
}
