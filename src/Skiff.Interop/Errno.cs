using System.Runtime.InteropServices;

namespace Skiff.Interop;

/// <summary>A failed system call, with the errno that explains it.</summary>
public class SystemCallException : IOException
{
    public SystemCallException(string call, int errno, string? path)
        : base(Format(call, errno, path), errno)
    {
        Call = call;
        Errno = errno;
        Path = path;
    }

    public string Call { get; }
    public int Errno { get; }
    public string? Path { get; }

    private static string Format(string call, int errno, string? path) =>
        path is null ? $"{call}: {Errnos.Describe(errno)}" : $"{call} {path}: {Errnos.Describe(errno)}";
}

/// <summary>errno values used by callers to branch, and the one place errno becomes an exception.</summary>
public static class Errnos
{
    public const int EPERM = 1;
    public const int ENOENT = 2;
    public const int EINTR = 4;
    public const int EIO = 5;
    public const int EBADF = 9;
    public const int EAGAIN = 11;
    public const int EACCES = 13;
    public const int EBUSY = 16;
    public const int EEXIST = 17;
    public const int EXDEV = 18;
    public const int ENOTDIR = 20;
    public const int EISDIR = 21;
    public const int EINVAL = 22;
    public const int ENOSPC = 28;
    public const int EROFS = 30;
    public const int EMLINK = 31;
    public const int ERANGE = 34;
    public const int ENAMETOOLONG = 36;
    public const int ENOSYS = 38;
    public const int ENOTEMPTY = 39;
    public const int ELOOP = 40;
    public const int ENODATA = 61;
    public const int EOPNOTSUPP = 95;
    public const int EWOULDBLOCK = EAGAIN;

    public static unsafe string Describe(int errno)
    {
        byte* s = Libc.StrError(errno);
        return s is null ? $"errno {errno}" : Marshal.PtrToStringUTF8((nint)s) ?? $"errno {errno}";
    }

    /// <summary>Throws for a negative result, using the errno the last P/Invoke recorded.</summary>
    public static int Check(int result, string call, string? path = null)
    {
        if (result < 0)
        {
            throw new SystemCallException(call, Marshal.GetLastPInvokeError(), path);
        }
        return result;
    }

    public static long Check(long result, string call, string? path = null)
    {
        if (result < 0)
        {
            throw new SystemCallException(call, Marshal.GetLastPInvokeError(), path);
        }
        return result;
    }
}
