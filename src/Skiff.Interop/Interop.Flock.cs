using System.Runtime.InteropServices;
using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Skiff.Interop;

internal static partial class Libc
{
    internal const int LOCK_SH = 1;
    internal const int LOCK_EX = 2;
    internal const int LOCK_NB = 4;
    internal const int LOCK_UN = 8;

    internal const int O_RDONLY = 0;
    internal const int O_RDWR = 2;
    internal const int O_CREAT = 0x40;
    internal const int O_DIRECTORY = 0x10000;
    internal const int O_CLOEXEC = 0x80000;

    [LibraryImport(Name, EntryPoint = "flock", SetLastError = true)]
    internal static partial int Flock(int fd, int operation);

    [LibraryImport(Name, EntryPoint = "open", SetLastError = true)]
    internal static unsafe partial int Open(byte* path, int flags, uint mode);

    [LibraryImport(Name, EntryPoint = "close", SetLastError = true)]
    internal static partial int Close(int fd);

    /// <summary>NUL-terminated UTF-8 for a path argument.</summary>
    internal static byte[] Utf8z(string s)
    {
        byte[] bytes = new byte[Encoding.UTF8.GetByteCount(s) + 1];
        Encoding.UTF8.GetBytes(s, bytes);
        return bytes;
    }
}

/// <summary>
/// Advisory whole-file locks (flock(2)). A lock belongs to the open file description, so two handles opened
/// separately on one file exclude each other even within one process.
/// </summary>
public static class FileLock
{
    /// <summary>
    /// Opens (creating with mode 0600) a file to lock. Unlike File.OpenHandle this takes no lock of its own,
    /// so it never fails because another process holds the file locked.
    /// </summary>
    public static unsafe SafeFileHandle OpenLockFile(string path)
    {
        byte[] p = Libc.Utf8z(path);
        int fd;
        fixed (byte* pp = p)
        {
            do
            {
                fd = Libc.Open(pp, Libc.O_RDWR | Libc.O_CREAT | Libc.O_CLOEXEC, 0x180);
            }
            while (fd < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
        }
        Errnos.Check(fd, "open", path);
        return new SafeFileHandle(fd, ownsHandle: true);
    }

    /// <summary>Blocks until the lock is held (shared or exclusive). Converting a held lock is allowed.</summary>
    public static void Lock(SafeFileHandle handle, bool exclusive)
    {
        int op = exclusive ? Libc.LOCK_EX : Libc.LOCK_SH;
        int fd = (int)handle.DangerousGetHandle();
        int r;
        do
        {
            r = Libc.Flock(fd, op);
        }
        while (r < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
        Errnos.Check(r, "flock");
    }

    /// <summary>Takes the lock if nobody else holds a conflicting one; false when it is held elsewhere.</summary>
    public static bool TryLock(SafeFileHandle handle, bool exclusive)
    {
        int op = (exclusive ? Libc.LOCK_EX : Libc.LOCK_SH) | Libc.LOCK_NB;
        int fd = (int)handle.DangerousGetHandle();
        int r;
        do
        {
            r = Libc.Flock(fd, op);
        }
        while (r < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
        if (r < 0 && Marshal.GetLastPInvokeError() == Errnos.EWOULDBLOCK)
        {
            return false;
        }
        Errnos.Check(r, "flock");
        return true;
    }

    public static void Unlock(SafeFileHandle handle)
    {
        Errnos.Check(Libc.Flock((int)handle.DangerousGetHandle(), Libc.LOCK_UN), "flock");
    }
}
