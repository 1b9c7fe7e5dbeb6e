using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Archive;

/// <summary>
/// A directory treated as a root: every lookup goes through openat2 with RESOLVE_IN_ROOT, so a leading slash,
/// <c>..</c> or a symlink anywhere on the way resolves as in a chroot and never leaves the directory.
/// Final components are never followed: callers act on them with *at calls and AT_SYMLINK_NOFOLLOW.
/// </summary>
internal sealed class LayerRoot : IDisposable
{
    private const ulong Resolve = FileAt.RESOLVE_IN_ROOT | FileAt.RESOLVE_NO_MAGICLINKS;

    private LayerRoot(SafeFileHandle handle, string path)
    {
        Handle = handle;
        Path = path;
    }

    public SafeFileHandle Handle { get; }

    public string Path { get; }

    public static LayerRoot Open(string dir)
    {
        string full = System.IO.Path.GetFullPath(dir);
        return new LayerRoot(FileAt.OpenAt(null, full, FileAt.O_PATH | FileAt.O_DIRECTORY), full);
    }

    /// <summary>Opens the directory <paramref name="rel"/> (O_PATH), creating missing components (0755) when asked.</summary>
    public SafeFileHandle OpenDir(string rel, bool create)
    {
        try
        {
            return OpenExistingDir(rel);
        }
        catch (SystemCallException e) when (e.Errno == Errnos.ENOENT && create)
        {
        }
        string[] parts = rel.Split('/');
        SafeFileHandle current = OpenExistingDir("");
        try
        {
            for (int i = 0; i < parts.Length; i++)
            {
                string prefix = string.Join('/', parts, 0, i + 1);
                SafeFileHandle next;
                try
                {
                    next = OpenExistingDir(prefix);
                }
                catch (SystemCallException e) when (e.Errno == Errnos.ENOENT)
                {
                    // The parent handle was resolved in the root, so creating the leaf under it stays inside.
                    FileAt.TryMkdirAt(current, parts[i], 0x1ED /* 0755 */);
                    next = OpenExistingDir(prefix);
                }
                current.Dispose();
                current = next;
            }
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    private SafeFileHandle OpenExistingDir(string rel) =>
        FileAt.OpenAt2(Handle, rel.Length == 0 ? "." : rel, FileAt.O_PATH | FileAt.O_DIRECTORY, 0, Resolve);

    /// <summary>Opens <paramref name="rel"/>'s parent directory and returns it with the final component.</summary>
    public (SafeFileHandle Dir, string Leaf) OpenParent(string rel, bool create)
    {
        if (rel.Length == 0)
        {
            return (OpenExistingDir(""), ".");
        }
        (string parent, string leaf) = LayerPath.Split(rel);
        return (OpenDir(parent, create), leaf);
    }

    /// <summary>Opens a regular file for reading, resolved in the root; the final component must not be a symlink.</summary>
    public SafeFileHandle OpenFileForRead(string rel) =>
        FileAt.OpenAt2(Handle, rel, FileAt.O_RDONLY | FileAt.O_NOFOLLOW | FileAt.O_NONBLOCK | FileAt.O_NOCTTY, 0, Resolve);

    /// <summary>lstat of <paramref name="leaf"/> in <paramref name="dir"/>; false when it does not exist.</summary>
    public static bool TryLstat(SafeFileHandle dir, string leaf, out StatxNative stat)
    {
        if (FileAt.TryStatx(dir, leaf, FileAt.AT_SYMLINK_NOFOLLOW, out stat, out int errno))
        {
            return true;
        }
        return errno == Errnos.ENOENT ? false : throw new SystemCallException("statx", errno, leaf);
    }

    public static bool IsDir(in StatxNative st) => (st.Mode & FileAt.S_IFMT) == FileAt.S_IFDIR;

    /// <summary>Removes <paramref name="leaf"/> in <paramref name="dir"/> and, for a directory, all below it. Missing is fine.</summary>
    public static void RemoveAll(SafeFileHandle dir, string leaf)
    {
        if (!TryLstat(dir, leaf, out StatxNative st))
        {
            return;
        }
        if (IsDir(st))
        {
            using (SafeFileHandle child = FileAt.OpenAt2(dir, leaf, FileAt.O_PATH | FileAt.O_DIRECTORY | FileAt.O_NOFOLLOW, 0, FileAt.RESOLVE_BENEATH | FileAt.RESOLVE_NO_SYMLINKS))
            {
                foreach (string name in ListNames(child))
                {
                    RemoveAll(child, name);
                }
            }
            FileAt.UnlinkAt(dir, leaf, FileAt.AT_REMOVEDIR);
        }
        else
        {
            FileAt.UnlinkAt(dir, leaf);
        }
    }

    /// <summary>Names in the directory behind <paramref name="dir"/> (through its /proc/self/fd link, which is pinned).</summary>
    public static List<string> ListNames(SafeFileHandle dir)
    {
        List<string> names = [];
        foreach (string entry in Directory.EnumerateFileSystemEntries(FileAt.ProcPath(dir, "")))
        {
            names.Add(System.IO.Path.GetFileName(entry));
        }
        return names;
    }

    public void Dispose() => Handle.Dispose();
}
