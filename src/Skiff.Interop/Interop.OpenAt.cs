using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Skiff.Interop;

/// <summary>The <c>open_how</c> argument of openat2(2).</summary>
[StructLayout(LayoutKind.Sequential)]
public struct OpenHow
{
    public ulong Flags;
    public ulong Mode;
    public ulong Resolve;
}

internal static partial class Libc
{
    // glibc 2.36 has no openat2 wrapper; the raw syscall number is stable on x86_64.
    internal const long SYS_openat2 = 437;

    [LibraryImport(Name, EntryPoint = "syscall", SetLastError = true)]
    internal static unsafe partial long SyscallOpenAt2(long number, int dirfd, byte* path, OpenHow* how, nuint size);

    [LibraryImport(Name, EntryPoint = "openat", SetLastError = true)]
    internal static unsafe partial int OpenAt(int dirfd, byte* path, int flags, uint mode);
}

/// <summary>*at(2) file calls relative to a directory descriptor, the basis of chroot-style path resolution.</summary>
public static partial class FileAt
{
    public const int AT_FDCWD = -100;
    public const int AT_SYMLINK_NOFOLLOW = 0x100;
    public const int AT_REMOVEDIR = 0x200;
    public const int AT_SYMLINK_FOLLOW = 0x400;
    public const int AT_EMPTY_PATH = 0x1000;

    public const int O_RDONLY = 0;
    public const int O_WRONLY = 1;
    public const int O_RDWR = 2;
    public const int O_CREAT = 0x40;
    public const int O_EXCL = 0x80;
    public const int O_NOCTTY = 0x100;
    public const int O_TRUNC = 0x200;
    public const int O_NONBLOCK = 0x800;
    public const int O_DIRECTORY = 0x10000;
    public const int O_NOFOLLOW = 0x20000;
    public const int O_CLOEXEC = 0x80000;
    public const int O_PATH = 0x200000;

    public const ulong RESOLVE_NO_XDEV = 0x01;
    public const ulong RESOLVE_NO_MAGICLINKS = 0x02;
    public const ulong RESOLVE_NO_SYMLINKS = 0x04;
    public const ulong RESOLVE_BENEATH = 0x08;
    public const ulong RESOLVE_IN_ROOT = 0x10;

    /// <summary>openat2(2); retries EINTR and EAGAIN (the kernel's answer to a racing rename under RESOLVE_IN_ROOT).</summary>
    public static unsafe SafeFileHandle OpenAt2(SafeHandle dirfd, string path, int flags, uint mode, ulong resolve)
    {
        OpenHow how = new() { Flags = (ulong)(flags | O_CLOEXEC), Mode = mode, Resolve = resolve };
        using FileAtPath p = new(path);
        bool added = false;
        try
        {
            dirfd.DangerousAddRef(ref added);
            int fd = (int)dirfd.DangerousGetHandle();
            for (int attempt = 0; ; attempt++)
            {
                long r = Libc.SyscallOpenAt2(Libc.SYS_openat2, fd, p.Pointer, &how, (nuint)sizeof(OpenHow));
                if (r >= 0)
                {
                    return new SafeFileHandle((nint)r, ownsHandle: true);
                }
                int errno = Marshal.GetLastPInvokeError();
                if ((errno == Errnos.EINTR || errno == Errnos.EAGAIN) && attempt < 64)
                {
                    continue;
                }
                throw new SystemCallException("openat2", errno, path);
            }
        }
        finally
        {
            if (added)
            {
                dirfd.DangerousRelease();
            }
        }
    }

    /// <summary>openat(2) relative to <paramref name="dirfd"/> (or <see cref="AT_FDCWD"/> when null).</summary>
    public static unsafe SafeFileHandle OpenAt(SafeHandle? dirfd, string path, int flags, uint mode = 0)
    {
        using FileAtPath p = new(path);
        using FileAtDir d = new(dirfd);
        while (true)
        {
            int r = Libc.OpenAt(d.Fd, p.Pointer, flags | O_CLOEXEC, mode);
            if (r >= 0)
            {
                return new SafeFileHandle(r, ownsHandle: true);
            }
            int errno = Marshal.GetLastPInvokeError();
            if (errno != Errnos.EINTR)
            {
                throw new SystemCallException("openat", errno, path);
            }
        }
    }

    /// <summary>
    /// A path naming <paramref name="name"/> in the directory <paramref name="dirfd"/>, for calls that have no *at
    /// form. The descriptor's magic link is an inner component, so it is followed even by l* calls; "" names the
    /// directory itself (as "/.", since the bare link would be the link, not the directory).
    /// </summary>
    public static string ProcPath(SafeHandle dirfd, string name) =>
        $"/proc/self/fd/{dirfd.DangerousGetHandle()}/{(name.Length == 0 ? "." : name)}";
}

/// <summary>A NUL-terminated UTF-8 copy of a path, pinned for the duration of a call.</summary>
internal unsafe ref struct FileAtPath
{
    private readonly byte[] _bytes;
    private GCHandle _handle;

    public FileAtPath(string path)
    {
        int n = System.Text.Encoding.UTF8.GetByteCount(path);
        _bytes = new byte[n + 1];
        System.Text.Encoding.UTF8.GetBytes(path, _bytes);
        _handle = GCHandle.Alloc(_bytes, GCHandleType.Pinned);
    }

    public byte* Pointer => (byte*)_handle.AddrOfPinnedObject();

    public void Dispose()
    {
        if (_handle.IsAllocated)
        {
            _handle.Free();
        }
    }
}

/// <summary>Holds a reference on an optional directory handle while its raw descriptor is in use.</summary>
internal ref struct FileAtDir
{
    private readonly SafeHandle? _handle;
    private readonly bool _added;

    public FileAtDir(SafeHandle? handle)
    {
        _handle = handle;
        if (handle is not null)
        {
            handle.DangerousAddRef(ref _added);
            Fd = (int)handle.DangerousGetHandle();
        }
        else
        {
            Fd = FileAt.AT_FDCWD;
        }
    }

    public int Fd { get; }

    public void Dispose()
    {
        if (_added)
        {
            _handle!.DangerousRelease();
        }
    }
}
