using System.Formats.Tar;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Archive;

/// <summary>Materialises tar entries one by one under a <see cref="LayerRoot"/>.</summary>
internal sealed partial class LayerEntryWriter(LayerRoot root, ExtractOptions options, TarSplitRecorder recorder)
{
    internal const string WhiteoutPrefix = ".wh.";
    internal const string OpaqueMarker = ".wh..wh..opq";
    private const string XattrPrefix = "SCHILY.xattr.";

    private readonly List<(string Rel, DateTimeOffset Mtime)> _directoryTimes = [];
    private readonly byte[] _copyBuffer = new byte[128 * 1024];

    private IReadOnlyDictionary<string, byte[]> _rawXattrs = new Dictionary<string, byte[]>();

    /// <summary>Writes one entry; <paramref name="rawXattrs"/> are its SCHILY.xattr values as raw bytes.</summary>
    public async Task WriteAsync(TarEntry entry, IReadOnlyDictionary<string, byte[]> rawXattrs, CancellationToken cancellationToken)
    {
        _rawXattrs = rawXattrs;
        string name = entry.Name;
        if (name.Contains('\0') || entry.LinkName.Contains('\0'))
        {
            throw new MalformedArchiveException($"layer entry \"{name.Replace("\0", "\\0", StringComparison.Ordinal)}\": name or link target contains a NUL byte");
        }
        string rel = LayerPath.Clean(name) ?? throw Escapes(name, "path");
        try
        {
            (string _, string leaf) = LayerPath.Split(rel);
            if (leaf.StartsWith(WhiteoutPrefix, StringComparison.Ordinal) && entry.EntryType != TarEntryType.Directory)
            {
                WriteWhiteout(name, rel);
                return;
            }
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    WriteDirectory(entry, rel);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    await WriteFileAsync(entry, rel, cancellationToken).ConfigureAwait(false);
                    break;
                case TarEntryType.SymbolicLink:
                    WriteSymlink(entry, rel);
                    break;
                case TarEntryType.HardLink:
                    WriteHardLink(entry, rel);
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    WriteNode(entry, rel);
                    break;
                case TarEntryType.GlobalExtendedAttributes:
                    break;
                default:
                    throw new MalformedArchiveException($"layer entry \"{name}\": unsupported entry type {entry.EntryType}");
            }
        }
        catch (SystemCallException e)
        {
            throw Wrap(name, e);
        }
    }

    private static MalformedArchiveException Escapes(string name, string what) =>
        new($"layer entry \"{name}\": {what} escapes the layer root");

    // Errors that a hostile or inconsistent archive provokes are the archive's fault; anything else
    // (ENOSPC, EIO) is the machine's and stays an I/O error, with the entry named either way.
    private static Exception Wrap(string name, SystemCallException e) => e.Errno switch
    {
        Errnos.ELOOP or Errnos.ENAMETOOLONG or Errnos.ENOTDIR or Errnos.EXDEV or Errnos.ENOENT or Errnos.EEXIST
            or Errnos.EISDIR or Errnos.EINVAL or Errnos.EMLINK or Errnos.ENOTEMPTY
            => new MalformedArchiveException($"layer entry \"{name}\": {e.Message}", e),
        _ => new IOException($"layer entry \"{name}\": {e.Message}", e),
    };

    private void WriteDirectory(TarEntry entry, string rel)
    {
        (SafeFileHandle dir, string leaf) = root.OpenParent(rel, create: true);
        using (dir)
        {
            if (rel.Length > 0)
            {
                bool exists = LayerRoot.TryLstat(dir, leaf, out StatxNative st);
                if (exists && !LayerRoot.IsDir(st))
                {
                    LayerRoot.RemoveAll(dir, leaf);
                    exists = false;
                }
                if (!exists)
                {
                    FileAt.MkdirAt(dir, leaf, 0x1C0 /* 0700 */);
                }
            }
            ApplyMetadata(dir, leaf, entry, isSymlink: false, setTimes: false);
        }
        _directoryTimes.Add((rel, entry.ModificationTime));
        Added(rel);
    }

    private async Task WriteFileAsync(TarEntry entry, string rel, CancellationToken cancellationToken)
    {
        (SafeFileHandle dir, string leaf) = OpenForReplace(entry.Name, rel);
        using (dir)
        {
            using (SafeFileHandle file = FileAt.OpenAt(dir, leaf, FileAt.O_WRONLY | FileAt.O_CREAT | FileAt.O_EXCL | FileAt.O_NOFOLLOW, 0x180 /* 0600 */))
            {
                if (entry.Length > 0)
                {
                    recorder.MarkContent(rel, entry.Length);
                }
                if (entry.DataStream is Stream data)
                {
                    // pwrite straight to the new file: no FileStream per entry, no async hop for page-cache writes.
                    long offset = 0;
                    int n;
                    while ((n = await data.ReadAsync(_copyBuffer, cancellationToken).ConfigureAwait(false)) > 0)
                    {
                        RandomAccess.Write(file, _copyBuffer.AsSpan(0, n), offset);
                        offset += n;
                    }
                }
            }
            ApplyMetadata(dir, leaf, entry, isSymlink: false, setTimes: true);
        }
        Added(rel);
    }

    private void WriteSymlink(TarEntry entry, string rel)
    {
        (SafeFileHandle dir, string leaf) = OpenForReplace(entry.Name, rel);
        using (dir)
        {
            // The target is stored as it is; it is only ever resolved later, inside the root.
            FileAt.SymlinkAt(entry.LinkName, dir, leaf);
            ApplyMetadata(dir, leaf, entry, isSymlink: true, setTimes: true);
        }
        Added(rel);
    }

    private void WriteHardLink(TarEntry entry, string rel)
    {
        string target = LayerPath.Clean(entry.LinkName) ?? throw Escapes(entry.Name, $"hardlink target \"{entry.LinkName}\"");
        if (target.Length == 0)
        {
            throw new MalformedArchiveException($"layer entry \"{entry.Name}\": hardlink to the layer root");
        }
        if (target == rel)
        {
            return;
        }
        (SafeFileHandle targetDir, string targetLeaf) = root.OpenParent(target, create: false);
        using (targetDir)
        {
            if (!LayerRoot.TryLstat(targetDir, targetLeaf, out StatxNative st))
            {
                throw new MalformedArchiveException($"layer entry \"{entry.Name}\": hardlink target \"{entry.LinkName}\" does not exist");
            }
            if (LayerRoot.IsDir(st))
            {
                throw new MalformedArchiveException($"layer entry \"{entry.Name}\": hardlink target \"{entry.LinkName}\" is a directory");
            }
            (SafeFileHandle dir, string leaf) = OpenForReplace(entry.Name, rel);
            using (dir)
            {
                FileAt.LinkAt(targetDir, targetLeaf, dir, leaf);
            }
        }
        Added(rel);
    }

    private void WriteNode(TarEntry entry, string rel)
    {
        uint type = entry.EntryType switch
        {
            TarEntryType.CharacterDevice => FileAt.S_IFCHR,
            TarEntryType.BlockDevice => FileAt.S_IFBLK,
            _ => FileAt.S_IFIFO,
        };
        (uint major, uint minor) = entry is PosixTarEntry posix ? ((uint)posix.DeviceMajor, (uint)posix.DeviceMinor) : (0u, 0u);
        (SafeFileHandle dir, string leaf) = OpenForReplace(entry.Name, rel);
        using (dir)
        {
            FileAt.MknodAt(dir, leaf, type | 0x180 /* 0600 */, major, minor);
            ApplyMetadata(dir, leaf, entry, isSymlink: false, setTimes: true);
        }
        Added(rel);
    }

    /// <summary>Opens the parent of a non-directory entry and clears whatever is at its name.</summary>
    private (SafeFileHandle Dir, string Leaf) OpenForReplace(string name, string rel)
    {
        if (rel.Length == 0)
        {
            throw new MalformedArchiveException($"layer entry \"{name}\": only a directory can stand for the layer root");
        }
        (SafeFileHandle dir, string leaf) = root.OpenParent(rel, create: true);
        try
        {
            LayerRoot.RemoveAll(dir, leaf);
            return (dir, leaf);
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    /// <summary>Owner, then mode (chown clears setuid), then xattrs (chown clears capabilities), then times.</summary>
    private void ApplyMetadata(SafeFileHandle dir, string leaf, TarEntry entry, bool isSymlink, bool setTimes)
    {
        if (options.PreserveOwnership)
        {
            FileAt.FchownAt(dir, leaf, (uint)entry.Uid, (uint)entry.Gid, FileAt.AT_SYMLINK_NOFOLLOW);
        }
        if (!isSymlink)
        {
            FileAt.FchmodAt(dir, leaf, (uint)entry.Mode & 0xFFF);
        }
        if (entry is PaxTarEntry pax)
        {
            foreach (KeyValuePair<string, string> kv in pax.ExtendedAttributes)
            {
                if (kv.Key.StartsWith(XattrPrefix, StringComparison.Ordinal) && kv.Key.Length > XattrPrefix.Length)
                {
                    string name = kv.Key[XattrPrefix.Length..];
                    // The raw bytes from the header, when we kept them: TarReader's strings lose binary values.
                    byte[] value = _rawXattrs.TryGetValue(name, out byte[]? raw) ? raw : Encoding.UTF8.GetBytes(kv.Value);
                    SetXattr(dir, leaf, name, value);
                }
            }
        }
        if (setTimes)
        {
            TimeSpecNative t = FileAt.ToTimeSpec(entry.ModificationTime);
            FileAt.UtimensAt(dir, leaf, t, t, FileAt.AT_SYMLINK_NOFOLLOW);
        }
    }

    // Like containers/storage, a file system that cannot hold an attribute (or refuses it) costs the
    // attribute, not the layer.
    private static void SetXattr(SafeFileHandle dir, string leaf, string name, byte[] value)
    {
        try
        {
            Xattrs.LSet(FileAt.ProcPath(dir, leaf), name, value);
        }
        catch (SystemCallException e) when (e.Errno is Errnos.EOPNOTSUPP or Errnos.EPERM)
        {
        }
    }

    /// <summary>Sets directory times last, once nothing more is created inside them.</summary>
    public void Finish()
    {
        for (int i = _directoryTimes.Count - 1; i >= 0; i--)
        {
            (string rel, DateTimeOffset mtime) = _directoryTimes[i];
            SafeFileHandle dir;
            string leaf;
            try
            {
                (dir, leaf) = root.OpenParent(rel, create: false);
            }
            catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
            {
                continue;
            }
            using (dir)
            {
                if (LayerRoot.TryLstat(dir, leaf, out StatxNative st) && LayerRoot.IsDir(st))
                {
                    TimeSpecNative t = FileAt.ToTimeSpec(mtime);
                    FileAt.UtimensAt(dir, leaf, t, t, FileAt.AT_SYMLINK_NOFOLLOW);
                }
            }
        }
    }
}
