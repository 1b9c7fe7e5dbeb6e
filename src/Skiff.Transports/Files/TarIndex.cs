using System.Formats.Tar;
using Skiff.Image;

namespace Skiff.Transports.Files;

/// <summary>
/// A table of contents of a tar file, so its members can be read in place (in any order, concurrently) without
/// extracting the archive. Symlinks and hard links between members are followed when resolving a name.
/// </summary>
internal sealed class TarIndex
{
    private const int MaxLinkHops = 16;

    public sealed record Entry(string Name, TarEntryType Type, long DataOffset, long Length, string? LinkName);

    private readonly Dictionary<string, Entry> _entries;

    private TarIndex(string path, Dictionary<string, Entry> entries)
    {
        Path = path;
        _entries = entries;
    }

    public string Path { get; }

    public IEnumerable<Entry> Entries => _entries.Values;

    public static async Task<TarIndex> ReadAsync(string path, CancellationToken cancellationToken)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        await using var fs = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        try
        {
            await using var reader = new TarReader(fs, leaveOpen: true);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } e)
            {
                // On a seekable stream the reader skips the data (and its padding to 512 bytes) before returning the
                // entry, so the data started that far back.
                long length = e.EntryType is TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile ? e.Length : 0;
                long offset = fs.Position - ((length + 511) & ~511L);
                if (fs.Position > fs.Length || offset < 0)
                {
                    throw new MalformedImageException($"archive {path}: entry \"{e.Name}\" is truncated");
                }
                string name = Normalize(e.Name);
                if (name.Length == 0)
                {
                    continue;
                }
                entries[name] = new Entry(name, e.EntryType, offset, length, e.LinkName);
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or EndOfStreamException)
        {
            throw new MalformedImageException($"archive {path} is not a valid tar file: {ex.Message}", ex);
        }
        return new TarIndex(path, entries);
    }

    /// <summary>The regular file <paramref name="name"/> refers to, following links; null when there is none.</summary>
    public Entry? Resolve(string name)
    {
        string current = Normalize(name);
        for (int hop = 0; hop <= MaxLinkHops; hop++)
        {
            if (!_entries.TryGetValue(current, out Entry? e))
            {
                return null;
            }
            switch (e.Type)
            {
                case TarEntryType.SymbolicLink when e.LinkName is { } target:
                    string dir = current.Contains('/') ? current[..current.LastIndexOf('/')] : "";
                    current = Normalize(target.StartsWith('/') ? target : dir.Length == 0 ? target : dir + "/" + target);
                    break;
                case TarEntryType.HardLink when e.LinkName is { } target:
                    current = Normalize(target);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    return e;
                default:
                    return null;
            }
        }
        throw new MalformedImageException($"archive {Path}: too many levels of links resolving \"{name}\"");
    }

    /// <summary>Opens a member for reading; each call has its own file handle, so reads may run in parallel.</summary>
    public Stream Open(Entry entry)
    {
        var fs = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        fs.Position = entry.DataOffset;
        return new SubReadStream(fs, entry.Length);
    }

    /// <summary>Archive names without "./", leading "/" or ".." climbing above the root.</summary>
    public static string Normalize(string name)
    {
        var parts = new List<string>();
        foreach (string part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }
}

/// <summary>A window of <c>length</c> bytes of a stream from its current position; owns the stream.</summary>
internal sealed class SubReadStream : Stream
{
    private readonly Stream _inner;
    private readonly long _length;
    private long _position;

    public SubReadStream(Stream inner, long length)
    {
        _inner = inner;
        _length = length;
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => _length;
    public override long Position { get => _position; set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        int n = _inner.Read(buffer[..Clamp(buffer.Length)]);
        _position += n;
        return n;
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int n = await _inner.ReadAsync(buffer[..Clamp(buffer.Length)], cancellationToken).ConfigureAwait(false);
        _position += n;
        return n;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    private int Clamp(int requested) => (int)Math.Min(requested, _length - _position);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
        }
        base.Dispose(disposing);
    }

    public override ValueTask DisposeAsync()
    {
        _inner.Dispose();
        return base.DisposeAsync();
    }
}

/// <summary>Read access to the files of an image layout, wherever they are (a directory or a tar).</summary>
internal interface ILayoutFiles
{
    /// <summary>Where the files are, for messages.</summary>
    string Location { get; }

    /// <summary>Opens a file by its path relative to the layout root; null when absent. Stream.Length is valid.</summary>
    Stream? TryOpen(string relativePath);
}

internal sealed class DirectoryLayoutFiles(string root) : ILayoutFiles
{
    public string Location => root;

    public Stream? TryOpen(string relativePath)
    {
        string path = System.IO.Path.Combine(root, relativePath);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            return null;
        }
        catch (DirectoryNotFoundException)
        {
            return null;
        }
    }
}

internal sealed class TarLayoutFiles(TarIndex index) : ILayoutFiles
{
    public string Location => index.Path;

    public Stream? TryOpen(string relativePath) => index.Resolve(relativePath) is { } e ? index.Open(e) : null;
}
