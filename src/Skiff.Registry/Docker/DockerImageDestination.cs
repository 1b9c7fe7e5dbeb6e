using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Registry.Docker;

/// <summary>
/// Writes an image to a registry: blobs the repository has are reused, blobs another repository of the same registry
/// has are mounted, the rest uploaded; manifests go up last (instances by digest, the top one by tag).
/// </summary>
internal sealed class DockerImageDestination(DockerImageReference reference, RegistryClient client, string repository, BlobLocations locations) : IImageDestination
{
    public IImageReference Reference => reference;

    public IReadOnlyList<string> SupportedManifestMediaTypes { get; } =
        [MediaTypes.OciManifest, MediaTypes.DockerManifest, MediaTypes.OciIndex, MediaTypes.DockerManifestList];

    public Compression? DesiredLayerCompression => null;

    public bool HasThreadSafePutBlob => true;

    /// <summary>Manifest digest the registry stored for the top-level manifest (for --digestfile).</summary>
    public Digest? ManifestDigest { get; private set; }

    public async Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default)
    {
        Descriptor d = blob.Descriptor;
        if (d.Digest.IsEmpty)
        {
            return null;
        }
        if (await client.BlobSizeAsync(repository, d.Digest, cancellationToken).ConfigureAwait(false) is long size)
        {
            return d with { Size = size >= 0 ? size : d.Size };
        }
        foreach (string from in locations.RepositoriesOn(d.Digest, client.Registry).Where(r => r != repository).ToList())
        {
            if (await client.TryMountBlobAsync(repository, d.Digest, from, cancellationToken).ConfigureAwait(false))
            {
                locations.Record(d.Digest, client.Registry, repository);
                return d;
            }
        }
        return null;
    }

    public async Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        // The copier offers layers for reuse itself but sends the config straight here.
        if (blob.IsConfig && await TryReuseBlobAsync(blob, cancellationToken).ConfigureAwait(false) is { } reused)
        {
            return reused;
        }
        Descriptor stored = await client.UploadBlobAsync(repository, content, blob.Descriptor, cancellationToken).ConfigureAwait(false);
        locations.Record(stored.Digest, client.Registry, repository);
        return stored;
    }

    public async Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default)
    {
        string target = instance?.ToString() ?? reference.TagOrDigest;
        if (instance is null && reference.Name.Digest is { } pinned && pinned != manifest.Digest)
        {
            throw new DigestMismatchException(
                $"{reference}: the manifest to write has digest {manifest.Digest}, the destination names {pinned}");
        }
        Digest digest = await client.PutManifestAsync(repository, target, manifest, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            ManifestDigest = digest;
        }
    }

    // A registry has no transactions: what was written is visible already.
    public Task CommitAsync(CancellationToken cancellationToken = default) => Task.CompletedTask;

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
