using System.Runtime.InteropServices;

namespace Skiff.Interop;

[StructLayout(LayoutKind.Sequential)]
public struct TimeSpecNative
{
    public long Seconds;
    public long Nanoseconds;
}

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "utimensat", SetLastError = true)]
    internal static unsafe partial int UtimensAt(int dirfd, byte* path, TimeSpecNative* times, int flags);
}

public static partial class FileAt
{
    /// <summary>utimensat(2) setting atime and mtime; pass <see cref="AT_SYMLINK_NOFOLLOW"/> for a symlink itself.</summary>
    public static unsafe void UtimensAt(SafeHandle? dirfd, string name, TimeSpecNative atime, TimeSpecNative mtime, int flags)
    {
        using FileAtPath p = new(name);
        using FileAtDir d = new(dirfd);
        TimeSpecNative* times = stackalloc TimeSpecNative[2];
        times[0] = atime;
        times[1] = mtime;
        Errnos.Check(Libc.UtimensAt(d.Fd, p.Pointer, times, flags), "utimensat", name);
    }

    public static TimeSpecNative ToTimeSpec(DateTimeOffset time)
    {
        long ticks = time.UtcTicks - DateTime.UnixEpoch.Ticks;
        long seconds = Math.DivRem(ticks, TimeSpan.TicksPerSecond, out long rem);
        if (rem < 0)
        {
            seconds--;
            rem += TimeSpan.TicksPerSecond;
        }
        return new TimeSpecNative { Seconds = seconds, Nanoseconds = rem * 100 };
    }
}
