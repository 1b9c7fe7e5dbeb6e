using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    internal const int O_WRONLY = 1;
    internal const int O_APPEND = 0x400;

    [LibraryImport(Name, EntryPoint = "write", SetLastError = true)]
    internal static unsafe partial nint Write(int fd, byte* buffer, nuint count);
}

/// <summary>
/// Appending records to a log shared by many processes: O_APPEND and one write(2) per record, so concurrent writers
/// never interleave or overwrite each other (.NET's FileMode.Append seeks instead of using O_APPEND).
/// </summary>
public static class AppendFile
{
    public static unsafe void Append(string path, ReadOnlySpan<byte> record)
    {
        byte[] p = Libc.Utf8z(path);
        int fd;
        fixed (byte* pp = p)
        {
            fd = Errnos.Check(Libc.Open(pp, Libc.O_WRONLY | Libc.O_APPEND | Libc.O_CREAT | Libc.O_CLOEXEC, 0x1A4), "open", path);
        }
        try
        {
            fixed (byte* data = record)
            {
                nint written;
                do
                {
                    written = Libc.Write(fd, data, (nuint)record.Length);
                }
                while (written < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
                Errnos.Check(written < 0 ? -1 : 0, "write", path);
                if (written != record.Length)
                {
                    throw new SystemCallException("write", Errnos.EIO, path);
                }
            }
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
