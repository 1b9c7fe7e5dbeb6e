using System.Formats.Tar;
using Skiff.Image;
using Skiff.Interop;

namespace Skiff.Archive;

public static partial class LayerExtractor
{
    /// <summary>
    /// Extracts <paramref name="layer"/> (uncompressed, gzip or zstd, sniffed) into <paramref name="targetDir"/>.
    /// Every path resolves inside the target (chroot semantics). On any error, throws and leaves the
    /// caller to delete the target (it is the caller's staging directory).
    /// </summary>
    /// <remarks>
    /// One pass: decompress, hash (the DiffID covers the whole uncompressed stream, trailing blocks included),
    /// optionally record the tar-split, parse, write files. The layer is never held in memory.
    /// </remarks>
    public static async Task<ExtractResult> ExtractAsync(Stream layer, string targetDir, ExtractOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        ArgumentNullException.ThrowIfNull(options);
        Directory.CreateDirectory(targetDir);
        using LayerRoot root = LayerRoot.Open(targetDir);

        (Stream decompressed, Compression compression) =
            await Compressors.OpenDecompressedAsync(layer, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (decompressed.ConfigureAwait(false))
        {
            using DigestingStream hashed = new(decompressed, leaveOpen: true);
            using TarSplitRecorder recorder = new(hashed, options.TarSplit);
            Stream tarInput = recorder;
            LayerEntryWriter writer = new(root, options, recorder);

            string? previous = null;
            long nextHeader = 0;
            using (TarReader reader = new(tarInput, leaveOpen: true))
            {
                while (true)
                {
                    TarEntry? entry;
                    try
                    {
                        entry = await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false);
                    }
                    catch (EndOfStreamException) when (previous is not null && recorder.Position == nextHeader)
                    {
                        // Cut cleanly at an entry boundary without end blocks: Go's archive/tar (and so
                        // containers/storage) reads that as the end, and so do we.
                        break;
                    }
                    catch (Exception e) when (IsFormatError(e))
                    {
                        throw new MalformedArchiveException(
                            previous is null
                                ? $"layer tar: invalid header at the start: {e.Message}"
                                : $"layer tar: invalid header after entry \"{previous}\": {e.Message}", e);
                    }
                    if (entry is null)
                    {
                        break;
                    }
                    Dictionary<string, byte[]> rawXattrs = new(StringComparer.Ordinal);
                    if (!recorder.HeaderAreaOverflowed && !TarHeaderArea.TryParse(recorder.HeaderArea, rawXattrs))
                    {
                        throw new MalformedArchiveException($"layer entry \"{entry.Name}\": header checksum mismatch");
                    }
                    long dataStart = recorder.Position;
                    try
                    {
                        await writer.WriteAsync(entry, rawXattrs, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (IsFormatError(e))
                    {
                        throw new MalformedArchiveException($"layer entry \"{entry.Name}\": {e.Message}", e);
                    }
                    previous = entry.Name;
                    nextHeader = dataStart + ((entry.Length + 511) & ~511L);
                    recorder.BeginHeaderArea(nextHeader);
                }
            }

            try
            {
                // Read to the very end: the DiffID covers trailing zero blocks, and gzip checks its CRC only there.
                await tarInput.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsFormatError(e))
            {
                throw new MalformedArchiveException($"layer tar: corrupt data after the last entry: {e.Message}", e);
            }
            writer.Finish();
            recorder.Finish();
            return new ExtractResult(hashed.Digest, hashed.BytesProcessed, compression);
        }
    }

    /// <summary>Exceptions that mean the bytes are bad, as opposed to the machine failing.</summary>
    internal static bool IsFormatError(Exception e) =>
        e is InvalidDataException or EndOfStreamException or FormatException or OverflowException
            or ZstdSharp.ZstdException
            || (e is ArgumentException && e is not ArgumentNullException);
}
