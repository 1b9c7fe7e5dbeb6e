using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "read", SetLastError = true)]
    internal static unsafe partial nint Read(int fd, byte* buffer, nuint count);
}

/// <summary>
/// A stream over one of this process's standard descriptors, with plain read(2)/write(2) and no offset of its own
/// (so <c>&gt;file 2&gt;&amp;1</c> shares the file position as a shell expects). It exists because System.Console
/// sets the terminal up on first use and writes terminfo's keypad-transmit sequence to it, which podman never does.
/// Like Console, a write to a reader that has gone away (EPIPE) is dropped rather than thrown.
/// </summary>
public sealed class DescriptorStream(int fd) : Stream
{
    private const int EPIPE = 32;
    private bool _broken;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override unsafe int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty)
        {
            return 0;
        }
        fixed (byte* p = buffer)
        {
            while (true)
            {
                nint n = Libc.Read(fd, p, (nuint)buffer.Length);
                if (n >= 0)
                {
                    return (int)n;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno != Errnos.EINTR)
                {
                    throw new SystemCallException("read", errno, $"fd {fd}");
                }
            }
        }
    }

    public override unsafe void Write(ReadOnlySpan<byte> buffer)
    {
        fixed (byte* start = buffer)
        {
            byte* p = start;
            nint left = buffer.Length;
            while (left > 0 && !_broken)
            {
                nint n = Libc.Write(fd, p, (nuint)left);
                if (n >= 0)
                {
                    p += n;
                    left -= n;
                    continue;
                }
                int errno = Marshal.GetLastPInvokeError();
                if (errno == EPIPE)
                {
                    _broken = true;
                }
                else if (errno != Errnos.EINTR)
                {
                    throw new SystemCallException("write", errno, $"fd {fd}");
                }
            }
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));
    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        new(Task.Run(() => Read(buffer.Span), cancellationToken));
    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        Write(buffer.AsSpan(offset, count));
        return Task.CompletedTask;
    }
    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        Write(buffer.Span);
        return ValueTask.CompletedTask;
    }
    public override void Flush()
    {
    }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
}
