using System.IO.Compression;
using Skiff.Image;
using ZstdSharp;

namespace Skiff.Archive;

public static partial class Compressors
{
    private static ReadOnlySpan<byte> GzipMagic => [0x1f, 0x8b];
    private static ReadOnlySpan<byte> ZstdMagic => [0x28, 0xb5, 0x2f, 0xfd];

    /// <summary>Detects gzip (1f 8b) and zstd (28 b5 2f fd) by magic bytes; anything else is None.</summary>
    public static Compression Detect(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith(GzipMagic))
        {
            return Compression.Gzip;
        }
        if (head.StartsWith(ZstdMagic))
        {
            return Compression.Zstd;
        }
        return Compression.None;
    }

    /// <summary>
    /// Wraps <paramref name="input"/> so it reads uncompressed bytes whatever the compression. The compression is
    /// sniffed from the first bytes (never from a name); the sniffed bytes are replayed, so the input need not seek.
    /// </summary>
    public static async Task<(Stream Stream, Compression Compression)> OpenDecompressedAsync(Stream input, bool leaveOpen = false, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        byte[] head = new byte[ZstdMagic.Length];
        int n = await input.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        Compression compression = Detect(head.AsSpan(0, n));
        Stream replayed = new PrefixedReadStream(head.AsMemory(0, n), input, leaveOpen);
        Stream result = compression switch
        {
            Compression.Gzip => new GZipStream(replayed, CompressionMode.Decompress, leaveOpen: false),
            Compression.Zstd => new DecompressionStream(replayed, leaveOpen: false),
            _ => replayed,
        };
        return (result, compression);
    }

    /// <summary>Wraps <paramref name="output"/> so bytes written to the result are compressed into it. Dispose the result to finish the frame.</summary>
    public static Stream OpenCompressor(Stream output, Compression compression, int? level = null, bool leaveOpen = false)
    {
        ArgumentNullException.ThrowIfNull(output);
        return compression switch
        {
            Compression.Gzip => level is { } l
                ? new GZipStream(output, new ZLibCompressionOptions { CompressionLevel = Math.Clamp(l, 0, 9) }, leaveOpen)
                : new GZipStream(output, CompressionLevel.Optimal, leaveOpen),
            Compression.Zstd => new CompressionStream(output, level ?? 3, leaveOpen: leaveOpen),
            Compression.None => leaveOpen ? new NonClosingStream(output) : output,
            _ => throw new ArgumentOutOfRangeException(nameof(compression), compression, "unknown compression"),
        };
    }
}

/// <summary>Reads a few already-consumed bytes (a sniffed header), then the rest of the inner stream.</summary>
public sealed class PrefixedReadStream(ReadOnlyMemory<byte> prefix, Stream inner, bool leaveOpen) : Stream
{
    private ReadOnlyMemory<byte> _prefix = prefix;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (!_prefix.IsEmpty)
        {
            int n = Math.Min(buffer.Length, _prefix.Length);
            _prefix.Span[..n].CopyTo(buffer);
            _prefix = _prefix[n..];
            return n;
        }
        return inner.Read(buffer);
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_prefix.IsEmpty)
        {
            return new ValueTask<int>(Read(buffer.Span));
        }
        return inner.ReadAsync(buffer, cancellationToken);
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing && !leaveOpen)
        {
            inner.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>Passes writes through and leaves the inner stream open on dispose.</summary>
internal sealed class NonClosingStream(Stream inner) : Stream
{
    public override bool CanRead => false;
    public override bool CanSeek => false;
    public override bool CanWrite => true;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() => inner.Flush();
    public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);
    public override void Write(ReadOnlySpan<byte> buffer) => inner.Write(buffer);

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        inner.WriteAsync(buffer, offset, count, cancellationToken);

    public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
        inner.WriteAsync(buffer, cancellationToken);
}
