// Temporary bodies so dependants compile; replaced by the real implementation.
using Skiff.Image;

namespace Skiff.Archive;

public static partial class Compressors
{
    /// <summary>Detects gzip (1f 8b) and zstd (28 b5 2f fd) by magic bytes; anything else is None.</summary>
    public static Compression Detect(ReadOnlySpan<byte> head) => throw new NotImplementedException();

    /// <summary>Wraps <paramref name="input"/> so it reads uncompressed bytes whatever the compression (sniffed).</summary>
    public static Task<(Stream Stream, Compression Compression)> OpenDecompressedAsync(Stream input, bool leaveOpen = false, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Wraps <paramref name="output"/> so bytes written to the result are compressed into it.</summary>
    public static Stream OpenCompressor(Stream output, Compression compression, int? level = null, bool leaveOpen = false) => throw new NotImplementedException();
}

public static partial class LayerExtractor
{
    /// <summary>
    /// Extracts <paramref name="layer"/> (uncompressed, gzip or zstd, sniffed) into <paramref name="targetDir"/>.
    /// Every path resolves inside the target (chroot semantics). On any error, throws and leaves the
    /// caller to delete the target (it is the caller's staging directory).
    /// </summary>
    public static Task<ExtractResult> ExtractAsync(Stream layer, string targetDir, ExtractOptions options, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}

public static partial class LayerWriter
{
    /// <summary>Writes the whole of <paramref name="dir"/> as a layer; overlay whiteouts in it become <c>.wh.</c> entries.</summary>
    public static Task<LayerWriteResult> WriteDirectoryAsync(string dir, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Writes what changed from <paramref name="lowerRoot"/> to <paramref name="upperRoot"/> (both full trees), deletions as whiteouts.</summary>
    public static Task<LayerWriteResult> WriteDiffAsync(string lowerRoot, string upperRoot, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
