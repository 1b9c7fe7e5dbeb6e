using Microsoft.Win32.SafeHandles;
using Skiff.Image;
using Skiff.Interop;

namespace Skiff.Archive;

/// <summary>
/// The writing half shared by <see cref="LayerWriter"/>'s operations: entries are encoded once and flow through
/// a hasher (DiffID), the compressor and a second hasher (digest and size of what lands in the output).
/// Hardlinks are detected by inode among the entries written.
/// </summary>
internal sealed class LayerTarOutput : IAsyncDisposable
{
    private const string OverlayXattrPrefix = "trusted.overlay.";

    private readonly DigestingStream _written;
    private readonly Stream _compressor;
    private readonly DigestingStream _tar;
    private readonly LayerWriteOptions _options;
    private readonly Dictionary<(uint, uint, ulong), string> _links = [];
    private readonly byte[] _copyBuffer = new byte[128 * 1024];
    private bool _completed;

    public LayerTarOutput(Stream output, LayerWriteOptions options)
    {
        _options = options;
        _written = new DigestingStream(output, leaveOpen: true);
        _compressor = Compressors.OpenCompressor(_written, options.Compression, options.CompressionLevel, leaveOpen: true);
        _tar = new DigestingStream(_compressor, leaveOpen: true);
    }

    private long Mtime(in StatxNative st) => _options.Timestamp?.ToUnixTimeSeconds() ?? st.Mtime.Seconds;

    public static bool IsWhiteoutDevice(in StatxNative st) =>
        (st.Mode & FileAt.S_IFMT) == FileAt.S_IFCHR && st.RdevMajor == 0 && st.RdevMinor == 0;

    public static bool IsOpaque(SafeFileHandle dir, string leaf) =>
        Xattrs.LGet(FileAt.ProcPath(dir, leaf), LayerEntryWriter.OpaqueXattr) is [(byte)'y'];

    /// <summary>Writes the node <paramref name="leaf"/> of <paramref name="dir"/> as entry <paramref name="rel"/> (not its children).</summary>
    public async Task WriteNodeAsync(SafeFileHandle dir, string leaf, string rel, StatxNative st, CancellationToken cancellationToken)
    {
        uint type = st.Mode & FileAt.S_IFMT;
        if (type == FileAt.S_IFSOCK)
        {
            return;
        }
        if (IsWhiteoutDevice(st))
        {
            (string parent, string name) = LayerPath.Split(rel);
            await WriteWhiteoutAsync(LayerPath.Join(parent, LayerEntryWriter.WhiteoutPrefix + name), Mtime(st), cancellationToken).ConfigureAwait(false);
            return;
        }
        string procPath = FileAt.ProcPath(dir, leaf);
        IReadOnlyList<(string, byte[])> xattrs = ReadXattrs(procPath);
        if (type != FileAt.S_IFDIR && st.NLink > 1)
        {
            (uint, uint, ulong) key = (st.DevMajor, st.DevMinor, st.Ino);
            if (_links.TryGetValue(key, out string? first))
            {
                await WriteHeaderAsync(Header(TarHeaderWriter.TypeHardLink, rel, st, xattrs) with { LinkName = first }, cancellationToken).ConfigureAwait(false);
                return;
            }
            _links[key] = rel;
        }
        switch (type)
        {
            case FileAt.S_IFDIR:
                await WriteHeaderAsync(Header(TarHeaderWriter.TypeDirectory, rel + "/", st, xattrs), cancellationToken).ConfigureAwait(false);
                if (IsOpaque(dir, leaf))
                {
                    await WriteWhiteoutAsync(LayerPath.Join(rel, LayerEntryWriter.OpaqueMarker), Mtime(st), cancellationToken).ConfigureAwait(false);
                }
                break;
            case FileAt.S_IFREG:
                await WriteFileAsync(dir, leaf, Header(TarHeaderWriter.TypeRegular, rel, st, xattrs) with { Size = (long)st.Size }, cancellationToken).ConfigureAwait(false);
                break;
            case FileAt.S_IFLNK:
                await WriteHeaderAsync(Header(TarHeaderWriter.TypeSymlink, rel, st, xattrs) with { LinkName = FileAt.ReadlinkAt(dir, leaf) }, cancellationToken).ConfigureAwait(false);
                break;
            case FileAt.S_IFCHR or FileAt.S_IFBLK:
                byte t = type == FileAt.S_IFCHR ? TarHeaderWriter.TypeChar : TarHeaderWriter.TypeBlock;
                await WriteHeaderAsync(Header(t, rel, st, xattrs) with { DevMajor = st.RdevMajor, DevMinor = st.RdevMinor }, cancellationToken).ConfigureAwait(false);
                break;
            case FileAt.S_IFIFO:
                await WriteHeaderAsync(Header(TarHeaderWriter.TypeFifo, rel, st, xattrs), cancellationToken).ConfigureAwait(false);
                break;
        }
    }

    /// <summary>Writes the node and, for a directory, everything below it in sorted order.</summary>
    public async Task WriteTreeAsync(SafeFileHandle dir, string leaf, string rel, StatxNative st, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (rel.Length > 0)
        {
            await WriteNodeAsync(dir, leaf, rel, st, cancellationToken).ConfigureAwait(false);
        }
        if ((st.Mode & FileAt.S_IFMT) != FileAt.S_IFDIR)
        {
            return;
        }
        using SafeFileHandle child = OpenChildDir(dir, leaf);
        foreach (string name in SortedNames(child))
        {
            StatxNative cst = FileAt.Statx(child, name, FileAt.AT_SYMLINK_NOFOLLOW);
            await WriteTreeAsync(child, name, LayerPath.Join(rel, name), cst, cancellationToken).ConfigureAwait(false);
        }
    }

    public static SafeFileHandle OpenChildDir(SafeFileHandle dir, string leaf) =>
        leaf == "."
            ? FileAt.OpenAt2(dir, ".", FileAt.O_PATH | FileAt.O_DIRECTORY, 0, FileAt.RESOLVE_BENEATH)
            : FileAt.OpenAt2(dir, leaf, FileAt.O_PATH | FileAt.O_DIRECTORY | FileAt.O_NOFOLLOW, 0, FileAt.RESOLVE_BENEATH | FileAt.RESOLVE_NO_SYMLINKS);

    public static List<string> SortedNames(SafeFileHandle dir)
    {
        List<string> names = LayerRoot.ListNames(dir);
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public Task WriteWhiteoutAsync(string rel, long mtime, CancellationToken cancellationToken) =>
        WriteHeaderAsync(new TarHeader { TypeFlag = TarHeaderWriter.TypeRegular, Name = rel, Mode = 0, MtimeSeconds = mtime }, cancellationToken);

    public static IReadOnlyList<(string, byte[])> ReadXattrs(string procPath)
    {
        List<(string, byte[])> result = [];
        List<string> names = [.. Xattrs.LList(procPath)];
        names.Sort(StringComparer.Ordinal);
        foreach (string name in names)
        {
            if (name.StartsWith(OverlayXattrPrefix, StringComparison.Ordinal))
            {
                continue;
            }
            if (Xattrs.LGet(procPath, name) is byte[] value)
            {
                result.Add((name, value));
            }
        }
        return result;
    }

    private TarHeader Header(byte type, string name, in StatxNative st, IReadOnlyList<(string, byte[])> xattrs) => new()
    {
        TypeFlag = type,
        Name = name,
        Mode = st.Mode & 0xFFFu,
        Uid = st.Uid,
        Gid = st.Gid,
        MtimeSeconds = Mtime(st),
        Xattrs = xattrs,
    };

    private async Task WriteHeaderAsync(TarHeader header, CancellationToken cancellationToken) =>
        await _tar.WriteAsync(TarHeaderWriter.Encode(header), cancellationToken).ConfigureAwait(false);

    private async Task WriteFileAsync(SafeFileHandle dir, string leaf, TarHeader header, CancellationToken cancellationToken)
    {
        using SafeFileHandle file = FileAt.OpenAt(dir, leaf, FileAt.O_RDONLY | FileAt.O_NOFOLLOW | FileAt.O_NONBLOCK | FileAt.O_NOCTTY);
        await WriteHeaderAsync(header, cancellationToken).ConfigureAwait(false);
        await CopyContentAsync(file, header.Size, header.Name, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Copies exactly <paramref name="size"/> bytes of <paramref name="file"/> and the block padding.</summary>
    public async Task CopyContentAsync(SafeFileHandle file, long size, string name, CancellationToken cancellationToken)
    {
        long offset = 0;
        while (offset < size)
        {
            int want = (int)Math.Min(_copyBuffer.Length, size - offset);
            int n = await RandomAccess.ReadAsync(file, _copyBuffer.AsMemory(0, want), offset, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                throw new IOException($"layer file \"{name}\": shorter than its recorded size {size} (changed while being written)");
            }
            await _tar.WriteAsync(_copyBuffer.AsMemory(0, n), cancellationToken).ConfigureAwait(false);
            offset += n;
        }
        int padding = TarHeaderWriter.Padding(size);
        if (padding > 0)
        {
            await _tar.WriteAsync(new byte[padding], cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Writes raw bytes into the uncompressed tar (tar-split reassembly).</summary>
    public ValueTask WriteRawAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken) => _tar.WriteAsync(data, cancellationToken);

    /// <summary>Ends the archive (two zero blocks unless <paramref name="endBlocks"/> is false), finishes compression and reports.</summary>
    public async Task<LayerWriteResult> CompleteAsync(bool endBlocks, CancellationToken cancellationToken)
    {
        if (endBlocks)
        {
            await _tar.WriteAsync(new byte[2 * TarHeaderWriter.BlockSize], cancellationToken).ConfigureAwait(false);
        }
        await _tar.FlushAsync(cancellationToken).ConfigureAwait(false);
        await _compressor.DisposeAsync().ConfigureAwait(false);
        await _written.FlushAsync(cancellationToken).ConfigureAwait(false);
        _completed = true;
        return new LayerWriteResult(_tar.Digest, _written.Digest, _written.BytesProcessed, _tar.BytesProcessed);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_completed)
        {
            await _compressor.DisposeAsync().ConfigureAwait(false);
        }
        _tar.Dispose();
        _written.Dispose();
    }
}
