using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "fsync", SetLastError = true)]
    internal static partial int Fsync(int fd);

    [LibraryImport(Name, EntryPoint = "syncfs", SetLastError = true)]
    internal static partial int Syncfs(int fd);
}

/// <summary>Durability: flushing directories (for renames) and whole file systems to disk.</summary>
public static class FileSync
{
    /// <summary>fsync(2) on a directory, so that a rename or create inside it survives a crash.</summary>
    public static void SyncDirectory(string path) => WithDirectory(path, "fsync", Libc.Fsync);

    /// <summary>syncfs(2): flushes the file system holding <paramref name="path"/>.</summary>
    public static void SyncFileSystem(string path) => WithDirectory(path, "syncfs", Libc.Syncfs);

    private static unsafe void WithDirectory(string path, string call, Func<int, int> op)
    {
        byte[] p = Libc.Utf8z(path);
        int fd;
        fixed (byte* pp = p)
        {
            fd = Errnos.Check(Libc.Open(pp, Libc.O_RDONLY | Libc.O_DIRECTORY | Libc.O_CLOEXEC, 0), "open", path);
        }
        try
        {
            int r;
            do
            {
                r = op(fd);
            }
            while (r < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
            Errnos.Check(r, call, path);
        }
        finally
        {
            Libc.Close(fd);
        }
    }
}
