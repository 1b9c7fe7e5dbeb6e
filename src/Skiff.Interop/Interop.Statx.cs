using System.Runtime.InteropServices;

namespace Skiff.Interop;

[StructLayout(LayoutKind.Sequential)]
public struct StatxTimestamp
{
    public long Seconds;
    public uint Nanoseconds;
    private int _reserved;
}

/// <summary>struct statx (256 bytes), the same layout on every architecture.</summary>
[StructLayout(LayoutKind.Sequential, Size = 256)]
public struct StatxNative
{
    public uint Mask;
    public uint BlockSize;
    public ulong Attributes;
    public uint NLink;
    public uint Uid;
    public uint Gid;
    public ushort Mode;
    private ushort _spare0;
    public ulong Ino;
    public ulong Size;
    public ulong Blocks;
    public ulong AttributesMask;
    public StatxTimestamp Atime;
    public StatxTimestamp Btime;
    public StatxTimestamp Ctime;
    public StatxTimestamp Mtime;
    public uint RdevMajor;
    public uint RdevMinor;
    public uint DevMajor;
    public uint DevMinor;
}

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "statx", SetLastError = true)]
    internal static unsafe partial int Statx(int dirfd, byte* path, int flags, uint mask, StatxNative* buf);
}

public static partial class FileAt
{
    public const uint STATX_BASIC_STATS = 0x7ff;

    /// <summary>statx(2) of <paramref name="name"/> in <paramref name="dirfd"/>; flags usually AT_SYMLINK_NOFOLLOW.</summary>
    public static unsafe StatxNative Statx(SafeHandle? dirfd, string name, int flags)
    {
        if (TryStatx(dirfd, name, flags, out StatxNative st, out int errno))
        {
            return st;
        }
        throw new SystemCallException("statx", errno, name);
    }

    /// <summary>statx(2) returning the errno instead of throwing.</summary>
    public static unsafe bool TryStatx(SafeHandle? dirfd, string name, int flags, out StatxNative stat, out int errno)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        StatxNative st;
        if (Libc.Statx(d.Fd, p.Pointer, flags, STATX_BASIC_STATS, &st) == 0)
        {
            stat = st;
            errno = 0;
            return true;
        }
        stat = default;
        errno = Marshal.GetLastPInvokeError();
        return false;
    }
}
