using System.Net.Http;

namespace Skiff.Registry.Http;

/// <summary>
/// Reads a body and, when the connection breaks before the declared size, reopens it at the current offset (a Range
/// request) a few times. Bytes already handed out are never re-sent, so a digest computed over the reads stays right.
/// </summary>
internal sealed class ResumingStream(Stream first, Func<long, CancellationToken, Task<Stream>> reopen, long size) : Stream
{
    private const int MaxResumes = 3;
    private Stream _current = first;
    private long _position;
    private int _resumes;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            int n;
            try
            {
                n = await _current.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or HttpRequestException && CanResume && !cancellationToken.IsCancellationRequested)
            {
                await ResumeAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            // A clean end before the declared size is a truncated body: resume rather than stop short.
            if (n == 0 && buffer.Length > 0 && size >= 0 && _position < size && CanResume)
            {
                await ResumeAsync(cancellationToken).ConfigureAwait(false);
                continue;
            }
            _position += n;
            return n;
        }
    }

    private bool CanResume => _resumes < MaxResumes && size > 0;

    private async Task ResumeAsync(CancellationToken cancellationToken)
    {
        _resumes++;
        await _current.DisposeAsync().ConfigureAwait(false);
        _current = Stream.Null;
        _current = await reopen(_position, cancellationToken).ConfigureAwait(false);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _current.Dispose();
        }
        base.Dispose(disposing);
    }
}
