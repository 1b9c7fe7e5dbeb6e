using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Archive;

public static partial class LayerWriter
{
    /// <summary>
    /// Writes the whole of <paramref name="dir"/> as a layer; overlay whiteouts in it (0/0 character devices,
    /// <c>trusted.overlay.opaque=y</c>) become <c>.wh.</c> entries. Entries are in sorted order, hardlinks are
    /// found by inode, xattrs go into PAX records. The output stream is left open.
    /// </summary>
    public static async Task<LayerWriteResult> WriteDirectoryAsync(string dir, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        using LayerRoot root = LayerRoot.Open(dir);
        LayerTarOutput tar = new(output, options);
        await using (tar.ConfigureAwait(false))
        {
            StatxNative st = FileAt.Statx(root.Handle, ".", FileAt.AT_SYMLINK_NOFOLLOW);
            await tar.WriteTreeAsync(root.Handle, ".", "", st, cancellationToken).ConfigureAwait(false);
            return await tar.CompleteAsync(endBlocks: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Writes what changed from <paramref name="lowerRoot"/> to <paramref name="upperRoot"/> (both full trees):
    /// names added or changed in upper (type, mode, owner, size, mtime, symlink target, device, xattrs; content
    /// when size and a whole-second mtime agree), and <c>.wh.</c> whiteouts for names gone from lower.
    /// </summary>
    public static async Task<LayerWriteResult> WriteDiffAsync(string lowerRoot, string upperRoot, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        using LayerRoot lower = LayerRoot.Open(lowerRoot);
        using LayerRoot upper = LayerRoot.Open(upperRoot);
        LayerTarOutput tar = new(output, options);
        await using (tar.ConfigureAwait(false))
        {
            LayerDiff diff = new(tar, options);
            await diff.DiffDirAsync(lower.Handle, upper.Handle, "", cancellationToken).ConfigureAwait(false);
            return await tar.CompleteAsync(endBlocks: true, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Rebuilds, into <paramref name="output"/>, the uncompressed tar that <see cref="LayerExtractor.ExtractAsync"/>
    /// extracted into <paramref name="dir"/> while it recorded <paramref name="tarSplit"/>. The result is identical
    /// bit for bit as long as the extracted files are unchanged; a file of the wrong size is an error.
    /// </summary>
    public static async Task<LayerWriteResult> ReassembleAsync(string dir, Stream tarSplit, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(tarSplit);
        ArgumentNullException.ThrowIfNull(output);
        using LayerRoot root = LayerRoot.Open(dir);
        Stream input;
        try
        {
            (Stream decompressed, _) = await Compressors.OpenDecompressedAsync(tarSplit, leaveOpen: true, cancellationToken).ConfigureAwait(false);
            input = new BufferedStream(decompressed, 64 * 1024);
        }
        catch (Exception e) when (LayerExtractor.IsFormatError(e))
        {
            throw new MalformedArchiveException($"tar-split: {e.Message}", e);
        }
        await using (input.ConfigureAwait(false))
        {
            try
            {
                return await ReassembleAsync(root, input, output, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (LayerExtractor.IsFormatError(e))
            {
                throw new MalformedArchiveException($"tar-split: {e.Message}", e);
            }
        }
    }

    private static async Task<LayerWriteResult> ReassembleAsync(LayerRoot root, Stream input, Stream output, CancellationToken cancellationToken)
    {
        byte[] magic = new byte[TarSplitFormat.Magic.Length];
        if (await input.ReadAtLeastAsync(magic, magic.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false) != magic.Length
            || !magic.AsSpan().SequenceEqual(TarSplitFormat.Magic))
        {
            throw new MalformedArchiveException("tar-split: not a skiff tar-split record");
        }
        LayerTarOutput tar = new(output, new LayerWriteOptions());
        await using (tar.ConfigureAwait(false))
        {
            byte[] buffer = new byte[64 * 1024];
            while (true)
            {
                int kind = input.ReadByte();
                switch (kind)
                {
                    case TarSplitFormat.Raw:
                        long length = (long)TarSplitFormat.ReadVarint(input);
                        while (length > 0)
                        {
                            int n = (int)Math.Min(buffer.Length, length);
                            await input.ReadExactlyAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                            await tar.WriteRawAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
                            length -= n;
                        }
                        break;
                    case TarSplitFormat.File:
                        byte[] path = new byte[(int)TarSplitFormat.ReadVarint(input)];
                        await input.ReadExactlyAsync(path, cancellationToken).ConfigureAwait(false);
                        long size = (long)TarSplitFormat.ReadVarint(input);
                        await CopyFileAsync(root, System.Text.Encoding.UTF8.GetString(path), size, tar, buffer, cancellationToken).ConfigureAwait(false);
                        break;
                    case TarSplitFormat.End:
                        TarSplitFormat.ReadVarint(input);
                        return await tar.CompleteAsync(endBlocks: false, cancellationToken).ConfigureAwait(false);
                    default:
                        throw new MalformedArchiveException(kind < 0 ? "tar-split: unexpected end" : $"tar-split: unknown record kind {kind}");
                }
            }
        }
    }

    private static async Task CopyFileAsync(LayerRoot root, string rel, long size, LayerTarOutput tar, byte[] buffer, CancellationToken cancellationToken)
    {
        using SafeFileHandle file = root.OpenFileForRead(rel);
        long actual = RandomAccess.GetLength(file);
        if (actual != size)
        {
            throw new IOException($"reassembling layer: file \"{rel}\" has {actual} bytes, the layer recorded {size}");
        }
        long offset = 0;
        while (offset < size)
        {
            int n = await RandomAccess.ReadAsync(file, buffer.AsMemory(0, (int)Math.Min(buffer.Length, size - offset)), offset, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException($"reassembling layer: file \"{rel}\" ended early");
            }
            await tar.WriteRawAsync(buffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            offset += n;
        }
    }
}
