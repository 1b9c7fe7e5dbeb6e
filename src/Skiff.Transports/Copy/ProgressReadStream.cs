using System.Diagnostics;

namespace Skiff.Transports.Copy;

/// <summary>
/// Passes reads through and tells <paramref name="report"/> how many bytes have gone by, at most every 100 ms (and
/// once at the end), so a progress bar can move without a report per buffer.
/// </summary>
internal sealed class ProgressReadStream(Stream inner, Action<long> report) : Stream
{
    private static readonly long Interval = Stopwatch.Frequency / 10;
    private long _bytes;
    private long _last = Stopwatch.GetTimestamp();
    private bool _ended;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _bytes;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Count(inner.Read(buffer, offset, count));

    public override int Read(Span<byte> buffer) => Count(inner.Read(buffer));

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Count(await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false));

    private int Count(int n)
    {
        _bytes += n;
        long now = Stopwatch.GetTimestamp();
        if ((n == 0 && !_ended) || now - _last >= Interval)
        {
            _ended |= n == 0;
            _last = now;
            report(_bytes);
        }
        return n;
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        GC.SuppressFinalize(this);
        return inner.DisposeAsync();
    }
}
