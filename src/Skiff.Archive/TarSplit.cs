using System.Text;

namespace Skiff.Archive;

/// <summary>
/// The tar-split record format: enough to rebuild a layer's uncompressed tar bit for bit from its extracted
/// files. The whole record is gzip-compressed (headers are mostly zeros). Inside: a magic line, then records: <c>'R' len bytes</c> (raw tar bytes: headers, PAX records, padding,
/// trailer), <c>'F' len path size</c> (the next <c>size</c> bytes are the content of the file at <c>path</c>
/// relative to the extraction root), and <c>'E' total</c> (end, with the tar's total length). Lengths are
/// unsigned LEB128.
/// </summary>
internal static class TarSplitFormat
{
    public static ReadOnlySpan<byte> Magic => "skiff-tar-split/1\n"u8;

    public const byte Raw = (byte)'R';
    public const byte File = (byte)'F';
    public const byte End = (byte)'E';

    public static void WriteVarint(Stream output, ulong value)
    {
        Span<byte> buffer = stackalloc byte[10];
        int n = 0;
        while (value >= 0x80)
        {
            buffer[n++] = (byte)(value | 0x80);
            value >>= 7;
        }
        buffer[n++] = (byte)value;
        output.Write(buffer[..n]);
    }

    public static ulong ReadVarint(Stream input)
    {
        ulong value = 0;
        for (int shift = 0; shift < 64; shift += 7)
        {
            int b = input.ReadByte();
            if (b < 0)
            {
                throw new MalformedArchiveException("tar-split: unexpected end of record");
            }
            value |= (ulong)(b & 0x7f) << shift;
            if ((b & 0x80) == 0)
            {
                return value;
            }
        }
        throw new MalformedArchiveException("tar-split: length out of range");
    }
}

/// <summary>
/// Sits between the hashing stream and TarReader and sees every byte of the uncompressed tar once. When given an
/// output it writes the tar-split: everything that is not file content verbatim, file content as references.
/// TarReader reads headers exactly (no read-ahead), so when it hands out an entry the stream position is that
/// entry's data start, and the bytes since the previous entry's data end are exactly this entry's header blocks.
/// </summary>
internal sealed class TarSplitRecorder : Stream
{
    private readonly Stream _inner;
    private readonly Stream? _output;

    public TarSplitRecorder(Stream inner, Stream? splitOutput)
    {
        _inner = inner;
        _output = splitOutput is null ? null : new System.IO.Compression.GZipStream(splitOutput, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true);
    }

    private const int FlushThreshold = 64 * 1024;

    private readonly MemoryStream _raw = new();
    // Extended headers beyond this are still parsed by TarReader; we just stop keeping a raw copy.
    private const int MaxHeaderArea = 4 * 1024 * 1024;

    private readonly MemoryStream _headerArea = new();
    private long _headerAreaStart;
    private bool _headerAreaOverflow;
    private long _position;
    private long _contentStart;
    private long _contentEnd;
    private bool _started;

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    /// <summary>Declares that the next <paramref name="size"/> bytes are the content of <paramref name="path"/>.</summary>
    public void MarkContent(string path, long size)
    {
        if (_output is null)
        {
            return;
        }
        FlushRaw();
        _output.WriteByte(TarSplitFormat.File);
        byte[] p = Encoding.UTF8.GetBytes(path);
        TarSplitFormat.WriteVarint(_output, (ulong)p.Length);
        _output.Write(p);
        TarSplitFormat.WriteVarint(_output, (ulong)size);
        _contentStart = _position;
        _contentEnd = _position + size;
    }

    /// <summary>Writes the end record; call after the tar was read to its very end.</summary>
    public void Finish()
    {
        if (_output is null)
        {
            return;
        }
        FlushRaw();
        _output.WriteByte(TarSplitFormat.End);
        TarSplitFormat.WriteVarint(_output, (ulong)_position);
        _output.Dispose();
    }

    private void EnsureStarted()
    {
        if (!_started)
        {
            _started = true;
            _output!.Write(TarSplitFormat.Magic);
        }
    }

    private void FlushRaw()
    {
        EnsureStarted();
        if (_raw.Length == 0)
        {
            return;
        }
        _output!.WriteByte(TarSplitFormat.Raw);
        TarSplitFormat.WriteVarint(_output, (ulong)_raw.Length);
        _output.Write(_raw.GetBuffer(), 0, (int)_raw.Length);
        _raw.SetLength(0);
    }

    /// <summary>Starts capturing header bytes from <paramref name="start"/> (where the next entry's first header block is).</summary>
    public void BeginHeaderArea(long start)
    {
        _headerArea.SetLength(0);
        _headerAreaStart = start;
        _headerAreaOverflow = false;
    }

    /// <summary>The bytes from the header-area start to now, or null when they were too many to keep.</summary>
    public ReadOnlySpan<byte> HeaderArea => _headerAreaOverflow ? default : _headerArea.GetBuffer().AsSpan(0, (int)_headerArea.Length);

    public bool HeaderAreaOverflowed => _headerAreaOverflow;

    private void Record(ReadOnlySpan<byte> data)
    {
        long areaFrom = Math.Max(_position, _headerAreaStart);
        long chunkEnd = _position + data.Length;
        if (chunkEnd > areaFrom && !_headerAreaOverflow)
        {
            _headerArea.Write(data[(int)(areaFrom - _position)..]);
            if (_headerArea.Length > MaxHeaderArea)
            {
                _headerAreaOverflow = true;
                _headerArea.SetLength(0);
            }
        }
        if (_output is null)
        {
            _position += data.Length;
            return;
        }
        long start = _position;
        long end = start + data.Length;
        _position = end;
        // Bytes before and after the declared content range are raw; the range itself is a reference.
        long rawBeforeEnd = Math.Min(end, _contentStart);
        if (rawBeforeEnd > start)
        {
            _raw.Write(data[..(int)(rawBeforeEnd - start)]);
        }
        long rawAfterStart = Math.Max(start, _contentEnd);
        if (end > rawAfterStart && rawAfterStart >= start)
        {
            _raw.Write(data[(int)(rawAfterStart - start)..]);
        }
        if (_raw.Length >= FlushThreshold)
        {
            FlushRaw();
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer);
        Record(buffer[..n]);
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        Record(buffer.Span[..n]);
        return n;
    }

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            // Only the compressor we made; the inner stream and the caller's tar-split stream stay open.
            _output?.Dispose();
        }
        base.Dispose(disposing);
    }
}
