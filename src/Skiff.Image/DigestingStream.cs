namespace Skiff.Image;

/// <summary>
/// A pass-through stream that hashes what is read from or written to it. For reading, it can
/// verify the expected digest and size at end of stream and throws <see cref="DigestMismatchException"/>
/// there, so a consumer never treats unverified bytes as complete.
/// </summary>
public sealed class DigestingStream : Stream
{
    private readonly Stream _inner;
    private readonly bool _leaveOpen;
    private readonly DigestHasher _hasher;
    private readonly Digest? _expected;
    private readonly long _expectedSize;
    private bool _verified;

    public DigestingStream(Stream inner, Digest? expected = null, long expectedSize = -1, bool leaveOpen = false)
    {
        _inner = inner;
        _leaveOpen = leaveOpen;
        _expected = expected;
        _expectedSize = expectedSize;
        _hasher = new DigestHasher(expected?.Algorithm ?? "sha256");
    }

    public long BytesProcessed => _hasher.BytesHashed;

    public Digest Digest => _hasher.GetDigest();

    public override bool CanRead => _inner.CanRead;
    public override bool CanSeek => false;
    public override bool CanWrite => _inner.CanWrite;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => BytesProcessed; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        OnRead(buffer[..n], buffer.Length);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        OnRead(buffer.Span[..n], buffer.Length);
        return n;
    }

    private void OnRead(ReadOnlySpan<byte> data, int requested)
    {
        if (data.Length == 0 && requested > 0)
        {
            Verify();
            return;
        }
        _hasher.Append(data);
        if (_expectedSize >= 0 && _hasher.BytesHashed > _expectedSize)
        {
            throw new DigestMismatchException($"blob {_expected}: more than the declared {_expectedSize} bytes");
        }
    }

    /// <summary>Checks size and digest; called automatically at end of stream when reading.</summary>
    public void Verify()
    {
        if (_verified)
        {
            return;
        }
        _verified = true;
        if (_expectedSize >= 0 && _hasher.BytesHashed != _expectedSize)
        {
            throw new DigestMismatchException(
                $"blob {_expected}: size {_hasher.BytesHashed} does not match the declared {_expectedSize}");
        }
        if (_expected is Digest want)
        {
            Digest got = _hasher.GetDigest();
            if (got != want)
            {
                throw new DigestMismatchException($"digest mismatch: expected {want}, got {got}");
            }
        }
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hasher.Append(buffer);
        _inner.Write(buffer);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hasher.Append(buffer.Span);
        return _inner.WriteAsync(buffer, cancellationToken);
    }

    public override void Flush() => _inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => _inner.FlushAsync(cancellationToken);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hasher.Dispose();
            if (!_leaveOpen)
            {
                _inner.Dispose();
            }
        }
        base.Dispose(disposing);
    }
}
