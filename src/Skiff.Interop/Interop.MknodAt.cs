using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "mknodat", SetLastError = true)]
    internal static unsafe partial int MknodAt(int dirfd, byte* path, uint mode, ulong dev);

    [LibraryImport(Name, EntryPoint = "mkdirat", SetLastError = true)]
    internal static unsafe partial int MkdirAt(int dirfd, byte* path, uint mode);
}

public static partial class FileAt
{
    public const uint S_IFMT = 0xF000;
    public const uint S_IFSOCK = 0xC000;
    public const uint S_IFLNK = 0xA000;
    public const uint S_IFREG = 0x8000;
    public const uint S_IFBLK = 0x6000;
    public const uint S_IFDIR = 0x4000;
    public const uint S_IFCHR = 0x2000;
    public const uint S_IFIFO = 0x1000;

    /// <summary>glibc's makedev encoding of a device number.</summary>
    public static ulong MakeDev(uint major, uint minor) =>
        (((ulong)major & 0xfffff000UL) << 32) | (((ulong)major & 0xfffUL) << 8) |
        (((ulong)minor & 0xffffff00UL) << 12) | ((ulong)minor & 0xffUL);

    /// <summary>mknodat(2): <paramref name="mode"/> carries the file type (S_IFCHR, S_IFBLK, S_IFIFO) and permissions.</summary>
    public static unsafe void MknodAt(SafeHandle? dirfd, string name, uint mode, uint major, uint minor)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        Errnos.Check(Libc.MknodAt(d.Fd, p.Pointer, mode, MakeDev(major, minor)), "mknodat", name);
    }

    public static unsafe void MkdirAt(SafeHandle? dirfd, string name, uint mode)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        Errnos.Check(Libc.MkdirAt(d.Fd, p.Pointer, mode), "mkdirat", name);
    }

    /// <summary>mkdirat(2) that reports an existing name as false instead of throwing.</summary>
    public static unsafe bool TryMkdirAt(SafeHandle? dirfd, string name, uint mode)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        if (Libc.MkdirAt(d.Fd, p.Pointer, mode) == 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        return errno == Errnos.EEXIST ? false : throw new SystemCallException("mkdirat", errno, name);
    }
}
