namespace Skiff.Image.Transports;

/// <summary>A kind of place images live in (<c>docker://</c>, <c>oci:</c>, <c>containers-storage:</c>, ...).</summary>
public interface IImageTransport
{
    /// <summary>The prefix before the colon in <c>transport:reference</c>.</summary>
    string Name { get; }

    /// <summary>Parses the part after <c>NAME:</c>; throws <see cref="ReferenceFormatException"/> when malformed.</summary>
    IImageReference ParseReference(string reference);
}

/// <summary>
/// An image location within one transport. <see cref="StringWithinTransport"/> MUST be such that
/// <c>Transport.ParseReference(StringWithinTransport)</c> returns an equivalent reference.
/// </summary>
public interface IImageReference
{
    IImageTransport Transport { get; }

    string StringWithinTransport { get; }

    /// <summary>The registry-style name this location carries, if any (used to name images on load/pull).</summary>
    Reference? DockerReference { get; }

    /// <summary>Opens the image for reading. The caller disposes the source.</summary>
    Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default);

    /// <summary>Opens the location for writing. Nothing is visible there until <see cref="IImageDestination.CommitAsync"/>.</summary>
    Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default);

    Task DeleteAsync(CancellationToken cancellationToken = default);
}

/// <summary>A manifest as stored: the exact bytes (the digest is of these) and their media type.</summary>
public sealed record ManifestBlob(byte[] Bytes, string MediaType)
{
    public Digest Digest => Digest.Compute(Bytes);
}

/// <summary>A readable image. Disposing releases whatever the source holds open.</summary>
public interface IImageSource : IAsyncDisposable
{
    IImageReference Reference { get; }

    /// <summary>
    /// The top-level manifest (may be an index) when <paramref name="instance"/> is null,
    /// else the manifest with that digest from the index.
    /// </summary>
    Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// A stream of the blob's stored bytes (compressed as stored). Implementations need not verify;
    /// the copier wraps every stream in a <see cref="DigestingStream"/>. The caller disposes the stream.
    /// </summary>
    Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default);
}

/// <summary>What the destination knows about a blob being written.</summary>
public sealed record BlobInfo
{
    /// <summary>
    /// The blob as the copier will deliver it. When the copier changes the bytes on the way (recompression) the
    /// digest is empty and the size -1 (or, decompressing, the digest is the DiffID and the size -1): the destination
    /// computes them and returns them from PutBlobAsync.
    /// </summary>
    public required Descriptor Descriptor { get; init; }

    /// <summary>The blob is the image config rather than a layer.</summary>
    public bool IsConfig { get; init; }

    /// <summary>Position of the layer in the manifest (0 = base), or -1 for config.</summary>
    public int LayerIndex { get; init; } = -1;

    /// <summary>
    /// For a layer, the DiffID the image config gives it (the digest of its uncompressed tar), when the writer knows
    /// it. A destination that unpacks layers can check it, and find the layer among those it has already.
    /// </summary>
    public Digest? DiffId { get; init; }
}

/// <summary>
/// A writable image location. Blobs first, then manifests, then <see cref="CommitAsync"/>; disposing
/// without commit discards everything written (nothing partial stays visible).
/// </summary>
public interface IImageDestination : IAsyncDisposable
{
    IImageReference Reference { get; }

    /// <summary>Manifest media types accepted, preferred first; the copier converts to the first when needed.</summary>
    IReadOnlyList<string> SupportedManifestMediaTypes { get; }

    /// <summary>Layer compression the destination wants; null keeps what the source has.</summary>
    Compression? DesiredLayerCompression { get; }

    /// <summary>Whether PutBlobAsync may be called concurrently.</summary>
    bool HasThreadSafePutBlob { get; }

    /// <summary>
    /// When the destination already has the blob (or can get it without upload), records it for this image
    /// and returns the descriptor to use; otherwise null.
    /// </summary>
    Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default);

    /// <summary>
    /// Stores a blob. The stream yields the bytes named by <c>blob.Descriptor</c> (digest verified by the
    /// caller at end of stream: a <see cref="DigestMismatchException"/> thrown while reading MUST leave nothing
    /// stored). Returns the descriptor of what was stored.
    /// </summary>
    Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default);

    /// <summary>Stores a manifest; <paramref name="instance"/> is set for per-platform manifests written under an index.</summary>
    Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default);

    /// <summary>Makes the image visible atomically.</summary>
    Task CommitAsync(CancellationToken cancellationToken = default);
}
