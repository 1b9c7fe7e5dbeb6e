using System.Formats.Tar;
using System.IO.Compression;
using Skiff.Archive;
using Skiff.Image;

namespace Skiff.Storage;

/// <summary>
/// The store's seam to Skiff.Archive. INTERIM: until the archive branch lands ExtractOptions.TarSplit and
/// LayerWriter.ReassembleAsync, this extracts with System.Formats.Tar and keeps the whole uncompressed tar as the
/// "tar-split" (reassembly is then a copy). Replace the bodies with the Skiff.Archive calls.
/// </summary>
internal static class LayerArchive
{
    public static async Task<ExtractResult> ExtractAsync(Stream layer, string targetDir, WhiteoutMode whiteouts, Stream tarSplit, CancellationToken cancellationToken)
    {
        byte[] head = new byte[4];
        int got = 0;
        while (got < head.Length)
        {
            int n = await layer.ReadAsync(head.AsMemory(got), cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            got += n;
        }
        var joined = new PrefixedStream(head.AsMemory(0, got), layer);
        Compression compression = got >= 2 && head[0] == 0x1f && head[1] == 0x8b ? Compression.Gzip
            : got >= 4 && head[0] == 0x28 && head[1] == 0xb5 && head[2] == 0x2f && head[3] == 0xfd ? Compression.Zstd
            : Compression.None;
        Stream plain = compression switch
        {
            Compression.Gzip => new GZipStream(joined, CompressionMode.Decompress, leaveOpen: true),
            Compression.Zstd => new ZstdSharp.DecompressionStream(joined, leaveOpen: true),
            _ => joined,
        };
        using var hasher = new DigestHasher();
        var tee = new TeeReadStream(plain, hasher, tarSplit);
        try
        {
            Directory.CreateDirectory(targetDir);
            using (var reader = new TarReader(tee, leaveOpen: true))
            {
                while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
                {
                    await ApplyAsync(entry, targetDir, whiteouts, cancellationToken).ConfigureAwait(false);
                }
            }
            byte[] drain = new byte[81920];
            while (await tee.ReadAsync(drain, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }
        catch (InvalidDataException e)
        {
            throw new MalformedArchiveException($"layer tar is malformed: {e.Message}", e);
        }
        catch (EndOfStreamException e)
        {
            throw new MalformedArchiveException($"layer tar is truncated: {e.Message}", e);
        }
        finally
        {
            if (!ReferenceEquals(plain, joined))
            {
                await plain.DisposeAsync().ConfigureAwait(false);
            }
        }
        return new ExtractResult(hasher.GetDigest(), hasher.BytesHashed, compression);
    }

    public static async Task ReassembleAsync(string diffDir, Stream tarSplit, Stream output, CancellationToken cancellationToken)
    {
        _ = diffDir;
        await tarSplit.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
    }

    private static async Task ApplyAsync(TarEntry entry, string root, WhiteoutMode whiteouts, CancellationToken cancellationToken)
    {
        string name = entry.Name.Replace('\\', '/').TrimStart('/');
        string[] parts = name.Split('/', StringSplitOptions.RemoveEmptyEntries).Where(p => p != ".").ToArray();
        if (parts.Contains(".."))
        {
            throw new MalformedArchiveException($"layer tar entry \"{entry.Name}\" climbs out of the root");
        }
        if (parts.Length == 0)
        {
            return;
        }
        string path = Path.Combine([root, .. parts]);
        string baseName = parts[^1];
        if (baseName.StartsWith(".wh.", StringComparison.Ordinal))
        {
            string dir = Path.GetDirectoryName(path)!;
            if (whiteouts == WhiteoutMode.Apply)
            {
                if (baseName == ".wh..wh..opq")
                {
                    foreach (string child in Directory.Exists(dir) ? Directory.GetFileSystemEntries(dir) : [])
                    {
                        FileSystem.DeleteTree(child);
                    }
                }
                else
                {
                    FileSystem.DeleteTree(Path.Combine(dir, baseName[4..]));
                }
            }
            return;
        }
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var mode = (UnixFileMode)((int)entry.Mode & 0xfff);
        switch (entry.EntryType)
        {
            case TarEntryType.Directory:
                if (!Directory.Exists(path))
                {
                    FileSystem.DeleteTree(path);
                    Directory.CreateDirectory(path);
                }
                File.SetUnixFileMode(path, mode);
                break;
            case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                FileSystem.DeleteTree(path);
                await using (var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
                {
                    if (entry.DataStream is { } data)
                    {
                        await data.CopyToAsync(fs, cancellationToken).ConfigureAwait(false);
                    }
                }
                File.SetUnixFileMode(path, mode);
                break;
            case TarEntryType.SymbolicLink:
                FileSystem.DeleteTree(path);
                File.CreateSymbolicLink(path, entry.LinkName);
                break;
            case TarEntryType.HardLink:
                FileSystem.DeleteTree(path);
                File.Copy(Path.Combine(root, entry.LinkName.TrimStart('/')), path);
                break;
        }
    }

    private sealed class PrefixedStream(ReadOnlyMemory<byte> prefix, Stream inner) : Stream
    {
        private ReadOnlyMemory<byte> _prefix = prefix;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
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

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (!_prefix.IsEmpty)
            {
                return Read(buffer.Span);
            }
            return await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    private sealed class TeeReadStream(Stream inner, DigestHasher hasher, Stream copy) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            hasher.Append(buffer[..n]);
            copy.Write(buffer[..n]);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            hasher.Append(buffer.Span[..n]);
            await copy.WriteAsync(buffer[..n], cancellationToken).ConfigureAwait(false);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }
}
