using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Registry.Docker;

/// <summary>Reads an image from a registry: manifests by tag or digest, blobs streamed.</summary>
internal sealed class DockerImageSource(DockerImageReference reference, RegistryClient client, string repository, BlobLocations locations) : IImageSource
{
    private ManifestBlob? _top;

    public IImageReference Reference => reference;

    public async Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is null && _top is not null)
        {
            return _top;
        }
        ManifestBlob blob = await client.GetManifestAsync(repository, instance?.ToString() ?? reference.TagOrDigest, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            _top = blob;
        }
        Remember(blob);
        return blob;
    }

    // Blobs of this repository can be mounted into another repository of the same registry.
    private void Remember(ManifestBlob blob)
    {
        if (!MediaTypes.IsManifest(blob.MediaType))
        {
            return;
        }
        try
        {
            ImageManifest m = ImageManifest.Parse(blob.Bytes);
            locations.Record(m.Config.Digest, client.Registry, repository);
            foreach (Descriptor layer in m.Layers)
            {
                locations.Record(layer.Digest, client.Registry, repository);
            }
        }
        catch (MalformedImageException)
        {
            // The copier reports a malformed manifest when it parses it.
        }
    }

    /// <summary>The stored bytes; the copier verifies them (digest and size) as it reads.</summary>
    public Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default) =>
        client.GetBlobAsync(repository, blob, verify: false, cancellationToken);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
