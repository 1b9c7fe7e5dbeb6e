using System.Runtime.InteropServices;
using System.Text;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "lsetxattr", SetLastError = true)]
    internal static unsafe partial int LSetXattr(byte* path, byte* name, byte* value, nuint size, int flags);

    [LibraryImport(Name, EntryPoint = "lgetxattr", SetLastError = true)]
    internal static unsafe partial nint LGetXattr(byte* path, byte* name, byte* value, nuint size);

    [LibraryImport(Name, EntryPoint = "llistxattr", SetLastError = true)]
    internal static unsafe partial nint LListXattr(byte* path, byte* list, nuint size);

    [LibraryImport(Name, EntryPoint = "lremovexattr", SetLastError = true)]
    internal static unsafe partial int LRemoveXattr(byte* path, byte* name);
}

/// <summary>Extended attributes of a path itself (l*xattr: a final symlink is not followed).</summary>
public static class Xattrs
{
    public static unsafe void LSet(string path, string name, ReadOnlySpan<byte> value)
    {
        using FileAtPath p = new(path);
        using FileAtPath n = new(name);
        fixed (byte* v = value)
        {
            Errnos.Check(Libc.LSetXattr(p.Pointer, n.Pointer, v, (nuint)value.Length, 0), "lsetxattr", $"{path} ({name})");
        }
    }

    /// <summary>The value, or null when the attribute is absent (ENODATA).</summary>
    public static unsafe byte[]? LGet(string path, string name)
    {
        using FileAtPath p = new(path);
        using FileAtPath n = new(name);
        while (true)
        {
            nint size = Libc.LGetXattr(p.Pointer, n.Pointer, null, 0);
            if (size < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == Errnos.ENODATA ? null : throw new SystemCallException("lgetxattr", errno, $"{path} ({name})");
            }
            byte[] buffer = new byte[size];
            nint got;
            fixed (byte* b = buffer)
            {
                got = Libc.LGetXattr(p.Pointer, n.Pointer, b, (nuint)buffer.Length);
            }
            if (got >= 0)
            {
                return got == buffer.Length ? buffer : buffer[..(int)got];
            }
            int e = Marshal.GetLastPInvokeError();
            if (e != Errnos.ERANGE)
            {
                throw new SystemCallException("lgetxattr", e, $"{path} ({name})");
            }
        }
    }

    /// <summary>Attribute names of the path; empty where the file system has no xattr support.</summary>
    public static unsafe IReadOnlyList<string> LList(string path)
    {
        using FileAtPath p = new(path);
        while (true)
        {
            nint size = Libc.LListXattr(p.Pointer, null, 0);
            if (size < 0)
            {
                int errno = Marshal.GetLastPInvokeError();
                return errno == Errnos.EOPNOTSUPP ? [] : throw new SystemCallException("llistxattr", errno, path);
            }
            if (size == 0)
            {
                return [];
            }
            byte[] buffer = new byte[size];
            nint got;
            fixed (byte* b = buffer)
            {
                got = Libc.LListXattr(p.Pointer, b, (nuint)buffer.Length);
            }
            if (got < 0)
            {
                int e = Marshal.GetLastPInvokeError();
                if (e == Errnos.ERANGE)
                {
                    continue;
                }
                throw new SystemCallException("llistxattr", e, path);
            }
            List<string> names = [];
            int start = 0;
            for (int i = 0; i < got; i++)
            {
                if (buffer[i] == 0)
                {
                    if (i > start)
                    {
                        names.Add(Encoding.UTF8.GetString(buffer, start, i - start));
                    }
                    start = i + 1;
                }
            }
            return names;
        }
    }

    public static unsafe void LRemove(string path, string name)
    {
        using FileAtPath p = new(path);
        using FileAtPath n = new(name);
        Errnos.Check(Libc.LRemoveXattr(p.Pointer, n.Pointer), "lremovexattr", $"{path} ({name})");
    }
}
