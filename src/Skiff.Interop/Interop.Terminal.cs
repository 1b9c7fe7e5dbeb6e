using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    // struct termios is 60 bytes on Linux (glibc); a larger opaque buffer is safe for every architecture.
    internal const int TermiosSize = 128;
    internal const int TCSANOW = 0;
    internal const ulong TIOCGWINSZ = 0x5413;

    [LibraryImport(Name, EntryPoint = "tcgetattr", SetLastError = true)]
    internal static unsafe partial int TcGetAttr(int fd, byte* termios);

    [LibraryImport(Name, EntryPoint = "tcsetattr", SetLastError = true)]
    internal static unsafe partial int TcSetAttr(int fd, int action, byte* termios);

    [LibraryImport(Name, EntryPoint = "cfmakeraw")]
    internal static unsafe partial void CfMakeRaw(byte* termios);

    [LibraryImport(Name, EntryPoint = "isatty")]
    internal static partial int IsATty(int fd);

    [LibraryImport(Name, EntryPoint = "ioctl", SetLastError = true)]
    internal static unsafe partial int Ioctl(int fd, ulong request, ushort* argp);
}

/// <summary>A terminal in raw mode until disposed (attached `run -it`); the previous mode comes back on dispose.</summary>
public sealed class RawTerminal : IDisposable
{
    private readonly int _fd;
    private readonly byte[] _saved;
    private bool _restored;

    private RawTerminal(int fd, byte[] saved)
    {
        _fd = fd;
        _saved = saved;
    }

    public static bool IsTerminal(int fd) => Libc.IsATty(fd) == 1;

    /// <summary>Puts <paramref name="fd"/> in raw mode; null when it is not a terminal.</summary>
    public static unsafe RawTerminal? Enter(int fd)
    {
        if (!IsTerminal(fd))
        {
            return null;
        }
        byte[] saved = new byte[Libc.TermiosSize];
        byte[] raw = new byte[Libc.TermiosSize];
        fixed (byte* s = saved)
        fixed (byte* r = raw)
        {
            Errnos.Check(Libc.TcGetAttr(fd, s), "tcgetattr");
            Buffer.MemoryCopy(s, r, Libc.TermiosSize, Libc.TermiosSize);
            Libc.CfMakeRaw(r);
            Errnos.Check(Libc.TcSetAttr(fd, Libc.TCSANOW, r), "tcsetattr");
        }
        return new RawTerminal(fd, saved);
    }

    /// <summary>The terminal's size (rows, columns); null when <paramref name="fd"/> is not a terminal.</summary>
    public static unsafe (int Rows, int Columns)? Size(int fd)
    {
        ushort* ws = stackalloc ushort[4];
        if (Libc.Ioctl(fd, Libc.TIOCGWINSZ, ws) != 0)
        {
            return null;
        }
        return (ws[0], ws[1]);
    }

    public unsafe void Dispose()
    {
        if (_restored)
        {
            return;
        }
        _restored = true;
        fixed (byte* s = _saved)
        {
            Libc.TcSetAttr(_fd, Libc.TCSANOW, s);
        }
    }
}
