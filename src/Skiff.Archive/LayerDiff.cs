using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Archive;

/// <summary>Walks a lower and an upper tree side by side and writes the upper's changes as a layer.</summary>
internal sealed class LayerDiff(LayerTarOutput tar, LayerWriteOptions options)
{
    public async Task DiffDirAsync(SafeFileHandle lowerDir, SafeFileHandle upperDir, string rel, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        SortedSet<string> names = new(StringComparer.Ordinal);
        names.UnionWith(LayerRoot.ListNames(lowerDir));
        names.UnionWith(LayerRoot.ListNames(upperDir));
        StatxNative upperSelf = FileAt.Statx(upperDir, ".", FileAt.AT_SYMLINK_NOFOLLOW);
        foreach (string name in names)
        {
            string childRel = LayerPath.Join(rel, name);
            bool inUpper = LayerRoot.TryLstat(upperDir, name, out StatxNative up);
            bool inLower = LayerRoot.TryLstat(lowerDir, name, out StatxNative low);
            if (!inUpper)
            {
                long mtime = options.Timestamp?.ToUnixTimeSeconds() ?? upperSelf.Mtime.Seconds;
                await tar.WriteWhiteoutAsync(LayerPath.Join(rel, LayerEntryWriter.WhiteoutPrefix + name), mtime, cancellationToken).ConfigureAwait(false);
                continue;
            }
            bool upperIsDir = LayerRoot.IsDir(up);
            if (!inLower || (low.Mode & FileAt.S_IFMT) != (up.Mode & FileAt.S_IFMT))
            {
                await tar.WriteTreeAsync(upperDir, name, childRel, up, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (upperIsDir)
            {
                if (MetadataChanged(lowerDir, upperDir, name, low, up))
                {
                    await tar.WriteNodeAsync(upperDir, name, childRel, up, cancellationToken).ConfigureAwait(false);
                }
                using SafeFileHandle lowerChild = LayerTarOutput.OpenChildDir(lowerDir, name);
                using SafeFileHandle upperChild = LayerTarOutput.OpenChildDir(upperDir, name);
                await DiffDirAsync(lowerChild, upperChild, childRel, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (MetadataChanged(lowerDir, upperDir, name, low, up) || await ContentChangedAsync(lowerDir, upperDir, name, low, up, cancellationToken).ConfigureAwait(false))
            {
                await tar.WriteNodeAsync(upperDir, name, childRel, up, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static bool MetadataChanged(SafeFileHandle lowerDir, SafeFileHandle upperDir, string name, in StatxNative low, in StatxNative up)
    {
        if (low.Mode != up.Mode || low.Uid != up.Uid || low.Gid != up.Gid
            || low.Mtime.Seconds != up.Mtime.Seconds || low.Mtime.Nanoseconds != up.Mtime.Nanoseconds)
        {
            return true;
        }
        uint type = up.Mode & FileAt.S_IFMT;
        if (type != FileAt.S_IFDIR && low.Size != up.Size)
        {
            return true;
        }
        if ((type == FileAt.S_IFCHR || type == FileAt.S_IFBLK) && (low.RdevMajor != up.RdevMajor || low.RdevMinor != up.RdevMinor))
        {
            return true;
        }
        if (type == FileAt.S_IFLNK && FileAt.ReadlinkAt(lowerDir, name) != FileAt.ReadlinkAt(upperDir, name))
        {
            return true;
        }
        IReadOnlyList<(string Name, byte[] Value)> lx = LayerTarOutput.ReadXattrs(FileAt.ProcPath(lowerDir, name));
        IReadOnlyList<(string Name, byte[] Value)> ux = LayerTarOutput.ReadXattrs(FileAt.ProcPath(upperDir, name));
        if (lx.Count != ux.Count)
        {
            return true;
        }
        for (int i = 0; i < lx.Count; i++)
        {
            if (lx[i].Name != ux[i].Name || !lx[i].Value.AsSpan().SequenceEqual(ux[i].Value))
            {
                return true;
            }
        }
        return false;
    }

    // Metadata agreed. A whole-second mtime (as a tar extraction leaves) cannot tell an edit within the same
    // second apart, so only then are the bytes compared; the same inode in both trees is trivially equal.
    private static async Task<bool> ContentChangedAsync(SafeFileHandle lowerDir, SafeFileHandle upperDir, string name, StatxNative low, StatxNative up, CancellationToken cancellationToken)
    {
        if ((up.Mode & FileAt.S_IFMT) != FileAt.S_IFREG || up.Mtime.Nanoseconds != 0 || up.Size == 0
            || (low.Ino == up.Ino && low.DevMajor == up.DevMajor && low.DevMinor == up.DevMinor))
        {
            return false;
        }
        const int Flags = FileAt.O_RDONLY | FileAt.O_NOFOLLOW | FileAt.O_NONBLOCK | FileAt.O_NOCTTY;
        using SafeFileHandle a = FileAt.OpenAt(lowerDir, name, Flags);
        using SafeFileHandle b = FileAt.OpenAt(upperDir, name, Flags);
        byte[] ba = new byte[64 * 1024];
        byte[] bb = new byte[64 * 1024];
        for (long offset = 0; offset < (long)up.Size;)
        {
            int na = await RandomAccess.ReadAsync(a, ba, offset, cancellationToken).ConfigureAwait(false);
            int nb = await RandomAccess.ReadAsync(b, bb, offset, cancellationToken).ConfigureAwait(false);
            if (na != nb || !ba.AsSpan(0, na).SequenceEqual(bb.AsSpan(0, nb)))
            {
                return true;
            }
            if (na == 0)
            {
                break;
            }
            offset += na;
        }
        return false;
    }
}
