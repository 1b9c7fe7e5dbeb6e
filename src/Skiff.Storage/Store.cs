using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage;

/// <summary>
/// The local store shared by every skiff process: layers, images and container layers, each with a JSON
/// index, one flock for metadata, writes as temp + fsync + rename. Long work (extraction) happens outside
/// the lock; only committing its result is inside.
/// </summary>
public sealed partial class Store : IDisposable
{
    /// <summary>Reads storage.conf from Podman's locations ($CONTAINERS_STORAGE_CONF, /etc/containers/storage.conf,
    /// /usr/share/containers/storage.conf), then applies the explicit overrides (command line flags).</summary>
    public static StoreOptions LoadOptions(string? graphRoot = null, string? runRoot = null, string? driver = null) => throw new NotImplementedException();

    /// <summary>Opens (creating if needed) and removes leftovers of interrupted operations.</summary>
    public static Store Open(StoreOptions options) => throw new NotImplementedException();

    public StoreOptions Options => throw new NotImplementedException();

    public IReadOnlyList<ImageRecord> ListImages() => throw new NotImplementedException();
    public IReadOnlyList<LayerRecord> ListLayers() => throw new NotImplementedException();
    public IReadOnlyList<ContainerRecord> ListContainers() => throw new NotImplementedException();

    /// <summary>By full name (as given or normalised with Reference.ParseLocal / Parse), full id, id prefix (unique, >= 3 chars) or "sha256:id".</summary>
    public ImageRecord? FindImage(string nameOrId) => throw new NotImplementedException();
    public LayerRecord? GetLayer(string id) => throw new NotImplementedException();
    public ContainerRecord? FindContainer(string nameOrId) => throw new NotImplementedException();

    /// <summary>
    /// Extracts a layer tar (any compression) on top of <paramref name="parentLayerId"/>. When <paramref name="expectedDiffId"/>
    /// is given and differs, throws DigestMismatchException and stores nothing. Returns the existing record if the
    /// resulting chain id is already stored.
    /// </summary>
    public Task<LayerRecord> PutLayerAsync(Stream layer, string? parentLayerId, Digest? expectedDiffId = null, Digest? compressedDigest = null, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Writes the layer's uncompressed tar, bit-identical to the one it was made from (its DiffID holds).</summary>
    public Task WriteLayerTarAsync(string layerId, Stream output, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Stores config and manifest and the image record; if the id exists, the names are added to it.
    /// Names given move away from other images (which may become dangling).</summary>
    public Task<ImageRecord> PutImageAsync(NewImage image, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public byte[] ReadImageConfig(ImageRecord image) => throw new NotImplementedException();
    public ManifestBlob ReadImageManifest(ImageRecord image) => throw new NotImplementedException();

    public Task AddImageNamesAsync(string imageId, IEnumerable<string> names, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task RemoveImageNamesAsync(string imageId, IEnumerable<string> names, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Deletes the image and its layers no other image or container uses. Throws ImageInUseException when a
    /// container uses it, unless <paramref name="force"/> (then those containers are deleted too).</summary>
    public Task<DeleteImageResult> DeleteImageAsync(string imageId, bool force = false, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Creates a container record with a new read-write layer over the image's top layer.</summary>
    public Task<ContainerRecord> CreateContainerAsync(string? imageId, string? name, string? metadata, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task DeleteContainerAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Mounts the container's root filesystem (overlay of its layers) and returns the path; counts mounts.</summary>
    public Task<string> MountContainerAsync(string id, CancellationToken cancellationToken = default) => throw new NotImplementedException();
    public Task UnmountContainerAsync(string id, bool force = false, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Verifies every layer against its DiffID and every image's config/manifest; with repair, removes what is damaged.</summary>
    public Task<CheckReport> CheckAsync(bool repair, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public StoreUsage GetUsage() => throw new NotImplementedException();

    /// <summary>Unmounts and deletes everything in the store.</summary>
    public Task ResetAsync(CancellationToken cancellationToken = default) => throw new NotImplementedException();

    public void Dispose() { }
}
