using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "pipe2", SetLastError = true)]
    internal static unsafe partial int Pipe2(int* fds, int flags);

    [LibraryImport(Name, EntryPoint = "dup", SetLastError = true)]
    internal static partial int Dup(int fd);
}

/// <summary>
/// Pipes whose one end a child process inherits by number (conmon's _OCI_SYNCPIPE). .NET opens everything
/// close-on-exec, so the child's end is a plain dup that the caller closes once the child has started.
/// </summary>
public static class InheritablePipe
{
    /// <summary>Creates a pipe: the read end for us (close-on-exec) and an inheritable write-end descriptor.</summary>
    public static unsafe (SafeFileHandle Read, int InheritableWrite) CreateForChildWrite()
    {
        int* fds = stackalloc int[2];
        Errnos.Check(Libc.Pipe2(fds, Libc.O_CLOEXEC), "pipe2");
        int inheritable = Libc.Dup(fds[1]);
        int errno = Marshal.GetLastPInvokeError();
        Libc.Close(fds[1]);
        if (inheritable < 0)
        {
            Libc.Close(fds[0]);
            throw new SystemCallException("dup", errno, null);
        }
        return (new SafeFileHandle(fds[0], ownsHandle: true), inheritable);
    }

    /// <summary>Closes a raw descriptor handed out by <see cref="CreateForChildWrite"/>.</summary>
    public static void CloseDescriptor(int fd) => Libc.Close(fd);
}
