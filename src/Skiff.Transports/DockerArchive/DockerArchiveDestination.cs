using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Files;

namespace Skiff.Transports.DockerArchive;

/// <summary>
/// Adds one image to a <see cref="DockerArchiveWriter"/>. The archive format holds Docker v2 schema 2 images with
/// uncompressed layers only, so the copier converts to that. A destination from a parsed reference owns its writer
/// and finishes the archive at commit.
/// </summary>
internal sealed class DockerArchiveDestination : IImageDestination
{
    private const long MaxConfigBytes = 64L * 1024 * 1024;

    private readonly DockerArchiveReference _reference;
    private readonly DockerArchiveWriter _writer;
    private readonly bool _ownsWriter;
    private ImageManifest? _manifest;

    public DockerArchiveDestination(DockerArchiveReference reference, DockerArchiveWriter writer, bool ownsWriter)
    {
        _reference = reference;
        _writer = writer;
        _ownsWriter = ownsWriter;
    }

    public IImageReference Reference => _reference;

    public IReadOnlyList<string> SupportedManifestMediaTypes { get; } = [MediaTypes.DockerManifest];

    public Compression? DesiredLayerCompression => Compression.None;

    public bool HasThreadSafePutBlob => false;

    public async Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default)
    {
        if (blob.Descriptor.Digest.IsEmpty)
        {
            return null;
        }
        long? size = await _writer.TryGetBlobAsync(blob.Descriptor.Digest, cancellationToken).ConfigureAwait(false);
        return size is { } s ? blob.Descriptor with { Size = s } : null;
    }

    public async Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        if (blob.IsConfig)
        {
            byte[] config = await AtomicFile.ReadSmallFileAsync(content, MaxConfigBytes, $"config {blob.Descriptor.Digest}", cancellationToken).ConfigureAwait(false);
            Digest digest = Digest.Compute(config);
            if (!blob.Descriptor.Digest.IsEmpty && digest != blob.Descriptor.Digest)
            {
                throw new DigestMismatchException($"digest mismatch: expected {blob.Descriptor.Digest}, got {digest}");
            }
            await _writer.WriteConfigAsync(digest, config, cancellationToken).ConfigureAwait(false);
            return blob.Descriptor with { Digest = digest, Size = config.Length };
        }
        BlobFile.Written w = await _writer.AddBlobAsync(content, blob.Descriptor, DockerArchiveWriter.LayerPath, cancellationToken).ConfigureAwait(false);
        return blob.Descriptor with { Digest = w.Digest, Size = w.Size };
    }

    public Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is not null || manifest.MediaType != MediaTypes.DockerManifest)
        {
            throw new SkiffException($"docker-archive stores only single Docker v2 schema 2 images, not {manifest.MediaType}");
        }
        _manifest = ImageManifest.Parse(manifest.Bytes);
        return Task.CompletedTask;
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ImageManifest manifest = _manifest ?? throw new InvalidOperationException("commit before the manifest was written");
        await _writer.AddImageAsync(manifest.Config.Digest, manifest.Layers.Select(l => l.Digest).ToList(), _reference.Tags, cancellationToken).ConfigureAwait(false);
        if (_ownsWriter)
        {
            await _writer.CloseAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_ownsWriter)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
        }
    }
}
