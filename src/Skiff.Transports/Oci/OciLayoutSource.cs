using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Files;

namespace Skiff.Transports.Oci;

/// <summary>Reads an image from an OCI layout, in a directory (oci:) or in place inside a tar (oci-archive:).</summary>
internal sealed class OciLayoutSource : IImageSource
{
    private readonly ILayoutFiles _files;
    private readonly Descriptor _top;

    private OciLayoutSource(IImageReference reference, ILayoutFiles files, Descriptor top)
    {
        Reference = reference;
        _files = files;
        _top = top;
    }

    public IImageReference Reference { get; }

    public static async Task<OciLayoutSource> OpenAsync(IImageReference reference, ILayoutFiles files, string? name, CancellationToken cancellationToken)
    {
        ImageIndex index = await OciIndexFile.ReadAsync(files, cancellationToken).ConfigureAwait(false);
        Descriptor top = index.Manifests[OciIndexFile.FindEntry(index, name, files.Location)];
        return new OciLayoutSource(reference, files, top);
    }

    public async Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default)
    {
        Descriptor d = instance is { } i ? new Descriptor { Digest = i, Size = -1 } : _top;
        if (d.Size > ImageManifest.MaxBytes)
        {
            throw new MalformedImageException($"{_files.Location}: manifest {d.Digest} declares {d.Size} bytes, above the limit of {ImageManifest.MaxBytes}");
        }
        await using Stream s = OpenBlob(d.Digest);
        byte[] bytes = await AtomicFile.ReadSmallFileAsync(s, ImageManifest.MaxBytes, $"{_files.Location}: manifest {d.Digest}", cancellationToken).ConfigureAwait(false);
        if (d.Size >= 0 && bytes.Length != d.Size)
        {
            throw new DigestMismatchException($"{_files.Location}: manifest {d.Digest} is {bytes.Length} bytes, index.json says {d.Size}");
        }
        var blob = new ManifestBlob(bytes, string.IsNullOrEmpty(d.MediaType) || instance is not null ? ManifestSniffer.DetectMediaType(bytes) : d.MediaType);
        if (blob.Digest != d.Digest)
        {
            throw new DigestMismatchException($"{_files.Location}: manifest {d.Digest} hashes to {blob.Digest}");
        }
        return blob;
    }

    public Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default) =>
        Task.FromResult(OpenBlob(blob.Digest));

    private Stream OpenBlob(Digest digest) =>
        _files.TryOpen(OciIndexFile.BlobPath(digest))
        ?? throw new MalformedImageException($"{_files.Location}: blob {digest} is missing (expected at {OciIndexFile.BlobPath(digest)})");

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
