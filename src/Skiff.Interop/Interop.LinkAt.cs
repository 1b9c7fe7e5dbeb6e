using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "symlinkat", SetLastError = true)]
    internal static unsafe partial int SymlinkAt(byte* target, int newdirfd, byte* linkpath);

    [LibraryImport(Name, EntryPoint = "linkat", SetLastError = true)]
    internal static unsafe partial int LinkAt(int olddirfd, byte* oldpath, int newdirfd, byte* newpath, int flags);

    [LibraryImport(Name, EntryPoint = "unlinkat", SetLastError = true)]
    internal static unsafe partial int UnlinkAt(int dirfd, byte* path, int flags);

    [LibraryImport(Name, EntryPoint = "readlinkat", SetLastError = true)]
    internal static unsafe partial nint ReadlinkAt(int dirfd, byte* path, byte* buf, nuint size);
}

public static partial class FileAt
{
    /// <summary>symlinkat(2): the target is stored as given, never resolved.</summary>
    public static unsafe void SymlinkAt(string target, SafeHandle? dirfd, string name)
    {
        using FileAtPath t = new(target);
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        Errnos.Check(Libc.SymlinkAt(t.Pointer, d.Fd, p.Pointer), "symlinkat", name);
    }

    /// <summary>linkat(2); with flags 0 a symlink as the old name is linked itself, not followed.</summary>
    public static unsafe void LinkAt(SafeHandle? olddirfd, string oldname, SafeHandle? newdirfd, string newname, int flags = 0)
    {
        using FileAtPath o = new(oldname);
        using FileAtPath n = new(newname);
        using FileAtDir od = new(olddirfd);
        using FileAtDir nd = new(newdirfd);
        Errnos.Check(Libc.LinkAt(od.Fd, o.Pointer, nd.Fd, n.Pointer, flags), "linkat", newname);
    }

    public static unsafe void UnlinkAt(SafeHandle? dirfd, string name, int flags = 0)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        Errnos.Check(Libc.UnlinkAt(d.Fd, p.Pointer, flags), "unlinkat", name);
    }

    /// <summary>unlinkat(2) that returns the errno instead of throwing (0 on success).</summary>
    public static unsafe int TryUnlinkAt(SafeHandle? dirfd, string name, int flags = 0)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        return Libc.UnlinkAt(d.Fd, p.Pointer, flags) == 0 ? 0 : Marshal.GetLastPInvokeError();
    }

    /// <summary>readlinkat(2): the symlink's target as stored.</summary>
    public static unsafe string ReadlinkAt(SafeHandle? dirfd, string name)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        for (int size = 256; ; size *= 4)
        {
            byte[] buffer = new byte[size];
            nint n;
            fixed (byte* b = buffer)
            {
                n = Libc.ReadlinkAt(d.Fd, p.Pointer, b, (nuint)size);
            }
            Errnos.Check((long)n, "readlinkat", name);
            if (n < size)
            {
                return Encoding.UTF8.GetString(buffer, 0, (int)n);
            }
        }
    }
}
