// Contract of Skiff.Archive that Storage and Transports build against.
// The implementation replaces the bodies; the signatures are the agreement.
using Skiff.Image;

namespace Skiff.Archive;

/// <summary>How whiteout entries (<c>.wh.NAME</c>, <c>.wh..wh..opq</c>) are materialised on extraction.</summary>
public enum WhiteoutMode
{
    /// <summary>Into overlayfs form: a 0/0 character device for a deleted name, <c>trusted.overlay.opaque=y</c> on opaque dirs.</summary>
    Overlay,

    /// <summary>Applied to the target directory, which already holds the parent's files (vfs): the names are deleted.</summary>
    Apply,
}

public sealed record ExtractOptions
{
    public WhiteoutMode Whiteouts { get; init; } = WhiteoutMode.Overlay;

    /// <summary>Keep owners from the archive (root) or map everything to the caller (tests as non-root).</summary>
    public bool PreserveOwnership { get; init; } = true;

    /// <summary>
    /// When set, receives a tar-split record of the uncompressed tar (everything but file content verbatim, file
    /// content as path references), from which <see cref="LayerWriter.ReassembleAsync"/> rebuilds the identical tar.
    /// The caller owns and disposes the stream.
    /// </summary>
    public Stream? TarSplit { get; init; }
}

/// <summary>What an extraction produced: the uncompressed tar's digest (the layer's DiffID) and size.</summary>
public sealed record ExtractResult(Digest DiffId, long UncompressedSize, Compression Compression);

/// <summary>
/// Raised for an archive that is malformed or hostile (an entry climbing out with <c>..</c>, a truncated
/// tar, corrupt compression). The message names the entry.
/// </summary>
public sealed class MalformedArchiveException : MalformedImageException
{
    public MalformedArchiveException(string message, Exception? inner = null) : base(message, inner) { }
}

public sealed record LayerWriteOptions
{
    /// <summary>Compression of the produced stream (the returned DiffID is always of the uncompressed tar).</summary>
    public Compression Compression { get; init; } = Compression.None;

    public int? CompressionLevel { get; init; }

    /// <summary>Fixed mtime for reproducible layers (SOURCE_DATE_EPOCH); null keeps the files' own.</summary>
    public DateTimeOffset? Timestamp { get; init; }
}

/// <summary>The result of writing a layer: DiffID of the uncompressed tar, digest and size of what was written.</summary>
public sealed record LayerWriteResult(Digest DiffId, Digest Digest, long Size, long UncompressedSize);

/// <summary>Compression detection by magic bytes and stream wrappers.</summary>
public static partial class Compressors
{
}

/// <summary>Turns a layer tar (any compression) into files under a root, with chroot semantics.</summary>
public static partial class LayerExtractor
{
}

/// <summary>Turns directories into layer tars.</summary>
public static partial class LayerWriter
{
}
