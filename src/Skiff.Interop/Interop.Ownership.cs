using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "fchownat", SetLastError = true)]
    internal static unsafe partial int FchownAt(int dirfd, byte* path, uint owner, uint group, int flags);

    [LibraryImport(Name, EntryPoint = "fchmodat", SetLastError = true)]
    internal static unsafe partial int FchmodAt(int dirfd, byte* path, uint mode, int flags);
}

public static partial class FileAt
{
    /// <summary>fchownat(2); pass <see cref="AT_SYMLINK_NOFOLLOW"/> to change a symlink itself (lchown).</summary>
    public static unsafe void FchownAt(SafeHandle? dirfd, string name, uint uid, uint gid, int flags)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        Errnos.Check(Libc.FchownAt(d.Fd, p.Pointer, uid, gid, flags), "fchownat", name);
    }

    /// <summary>fchmodat(2). It follows a final symlink, so call it only on names known not to be symlinks.</summary>
    public static unsafe void FchmodAt(SafeHandle? dirfd, string name, uint mode)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        Errnos.Check(Libc.FchmodAt(d.Fd, p.Pointer, mode, 0), "fchmodat", name);
    }
}
