using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Transports.Copy;

/// <summary>How <see cref="ImageCopier"/> copies an image.</summary>
public sealed record CopyOptions
{
    /// <summary>Which image of an index to copy when <see cref="All"/> is off; null means the running platform.</summary>
    public Platform? Platform { get; init; }

    /// <summary>Copy every image of an index and the index itself (skopeo <c>--all</c>).</summary>
    public bool All { get; init; }

    /// <summary>Layer compression to write; null keeps what the source has (unless the destination needs otherwise).</summary>
    public Compression? Compression { get; init; }

    public int? CompressionLevel { get; init; }

    /// <summary>Manifest media type to write (skopeo <c>--format</c>); null keeps the source's when the destination takes it.</summary>
    public string? ManifestMediaType { get; init; }

    /// <summary>Skiff copies no signatures yet; set, the copy also skips "Getting image source signatures", as podman save does.</summary>
    public bool RemoveSignatures { get; init; }

    /// <summary>Layers copied at once when the destination allows concurrent writes.</summary>
    public int MaxParallelLayers { get; init; } = 3;

    public IProgress<CopyProgress>? Progress { get; init; }
}

public enum CopyProgressKind
{
    GettingSignatures,
    BlobStarted,

    /// <summary>Bytes of a blob read so far (<see cref="CopyProgress.Bytes"/>), for progress bars; a few times a second.</summary>
    BlobBytes,
    BlobDone,
    BlobSkipped,
    Config,
    WritingManifest,
    StoringSignatures,
}

/// <summary>
/// One step of a copy. <see cref="Message"/> describes it (as a terminal progress bar would label it, e.g.
/// <c>Copying blob 7264a8db6415 skipped: already exists</c>); <see cref="Line"/> is exactly what podman prints for it
/// on a non-terminal (<c>Copying blob sha256:…</c>, <c>Writing manifest to image destination</c>), or null when
/// podman prints nothing for it there. <see cref="Size"/> is the blob's size (-1 when unknown), <see cref="Bytes"/> how
/// much of it has been read (<see cref="CopyProgressKind.BlobBytes"/> only).
/// </summary>
public sealed record CopyProgress(CopyProgressKind Kind, string Message, Digest? Digest = null, long Size = -1, long Bytes = -1)
{
    public string? Line => Kind switch
    {
        CopyProgressKind.BlobStarted or CopyProgressKind.BlobSkipped => $"Copying blob {Digest}",
        CopyProgressKind.BlobDone or CopyProgressKind.BlobBytes => null,
        CopyProgressKind.Config => $"Copying config {Digest}",
        _ => Message,
    };
}

/// <summary>What a copy wrote: the manifest (an index with <see cref="CopyOptions.All"/>) and the image's config digest.</summary>
public sealed record CopyResult(Digest ManifestDigest, Digest ConfigDigest, ManifestBlob Manifest);
