using System.IO.Compression;
using System.Text;

namespace Skiff.TestKit;

/// <summary>
/// Builds tar bytes in memory with raw headers, so tests can write names and link targets that
/// System.Formats.Tar refuses (climbing <c>..</c>, absolute paths) and damage archives at will.
/// </summary>
public sealed class TarBuilder
{
    private readonly MemoryStream _tar = new();

    public TarBuilder Directory(string name, int mode = 0x1ED /* 0755 */, int uid = 0, int gid = 0, long mtime = 1_600_000_000) =>
        Entry((byte)'5', name, mode: mode, uid: uid, gid: gid, mtime: mtime);

    public TarBuilder File(string name, string content, int mode = 0x1A4 /* 0644 */, int uid = 0, int gid = 0, long mtime = 1_600_000_000) =>
        Entry((byte)'0', name, content: Encoding.UTF8.GetBytes(content), mode: mode, uid: uid, gid: gid, mtime: mtime);

    public TarBuilder File(string name, byte[] content, int mode = 0x1A4 /* 0644 */) =>
        Entry((byte)'0', name, content: content, mode: mode);

    public TarBuilder Symlink(string name, string target) => Entry((byte)'2', name, linkName: target, mode: 0x1FF);

    public TarBuilder HardLink(string name, string target) => Entry((byte)'1', name, linkName: target);

    public TarBuilder CharDevice(string name, int major, int minor, int mode = 0x1B6 /* 0666 */) =>
        Entry((byte)'3', name, mode: mode, devMajor: major, devMinor: minor);

    public TarBuilder Fifo(string name, int mode = 0x1A4) => Entry((byte)'6', name, mode: mode);

    /// <summary>Appends one entry; PAX records go in an extended header before it; long names become a PAX path.</summary>
    public TarBuilder Entry(byte type, string name, string linkName = "", byte[]? content = null, int mode = 0x1A4,
        int uid = 0, int gid = 0, long mtime = 1_600_000_000, int devMajor = 0, int devMinor = 0,
        IReadOnlyDictionary<string, string>? pax = null, IReadOnlyDictionary<string, byte[]>? rawPax = null)
    {
        content ??= [];
        Dictionary<string, byte[]> records = [];
        foreach ((string k, string v) in pax ?? new Dictionary<string, string>())
        {
            records[k] = Encoding.UTF8.GetBytes(v);
        }
        foreach ((string k, byte[] v) in rawPax ?? new Dictionary<string, byte[]>())
        {
            records[k] = v;
        }
        byte[] nameBytes = Encoding.UTF8.GetBytes(name);
        if (nameBytes.Length > 100)
        {
            records["path"] = nameBytes;
        }
        if (Encoding.UTF8.GetByteCount(linkName) > 100)
        {
            records["linkpath"] = Encoding.UTF8.GetBytes(linkName);
        }
        if (records.Count > 0)
        {
            byte[] body = EncodePax(records);
            WriteHeader((byte)'x', "PaxHeaders/x", "", body.Length, 0x1A4, 0, 0, mtime, 0, 0);
            WriteData(body);
        }
        WriteHeader(type, name, linkName, content.Length, mode, uid, gid, mtime, devMajor, devMinor);
        WriteData(content);
        return this;
    }

    /// <summary>Appends raw bytes (for garbage or hand-made headers).</summary>
    public TarBuilder Raw(ReadOnlySpan<byte> bytes)
    {
        _tar.Write(bytes);
        return this;
    }

    /// <summary>The archive with its two zero end blocks.</summary>
    public byte[] Build()
    {
        MemoryStream copy = new();
        copy.Write(_tar.GetBuffer(), 0, (int)_tar.Length);
        copy.Write(new byte[1024]);
        return copy.ToArray();
    }

    /// <summary>The archive without end blocks (a stream cut at an entry boundary).</summary>
    public byte[] BuildWithoutEnd() => _tar.ToArray();

    public static byte[] Gzip(byte[] data)
    {
        MemoryStream ms = new();
        using (GZipStream gz = new(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.ToArray();
    }

    public static byte[] Zstd(byte[] data)
    {
        using ZstdSharp.Compressor c = new(3);
        return c.Wrap(data).ToArray();
    }

    private void WriteData(byte[] data)
    {
        _tar.Write(data);
        int pad = (512 - (data.Length % 512)) % 512;
        _tar.Write(new byte[pad]);
    }

    private static byte[] EncodePax(Dictionary<string, byte[]> records)
    {
        MemoryStream ms = new();
        foreach ((string k, byte[] v) in records)
        {
            int body = 1 + Encoding.UTF8.GetByteCount(k) + 1 + v.Length + 1;
            int len = body + 1;
            while (len != body + len.ToString(System.Globalization.CultureInfo.InvariantCulture).Length)
            {
                len = body + len.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            }
            ms.Write(Encoding.ASCII.GetBytes($"{len} {k}="));
            ms.Write(v);
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    private void WriteHeader(byte type, string name, string linkName, long size, int mode, int uid, int gid, long mtime, int devMajor, int devMinor)
    {
        byte[] b = new byte[512];
        Put(b, 0, 100, Encoding.UTF8.GetBytes(name));
        Octal(b, 100, 8, mode);
        Octal(b, 108, 8, uid);
        Octal(b, 116, 8, gid);
        Octal(b, 124, 12, size);
        Octal(b, 136, 12, mtime);
        b[156] = type;
        Put(b, 157, 100, Encoding.UTF8.GetBytes(linkName));
        Put(b, 257, 8, "ustar\000"u8.ToArray());
        Octal(b, 329, 8, devMajor);
        Octal(b, 337, 8, devMinor);
        for (int i = 148; i < 156; i++)
        {
            b[i] = (byte)' ';
        }
        int sum = 0;
        foreach (byte x in b)
        {
            sum += x;
        }
        Octal(b, 148, 7, sum);
        _tar.Write(b);
    }

    private static void Put(byte[] b, int offset, int width, byte[] value) =>
        value.AsSpan(0, Math.Min(width, value.Length)).CopyTo(b.AsSpan(offset, width));

    private static void Octal(byte[] b, int offset, int width, long value)
    {
        string s = Convert.ToString(value, 8).PadLeft(width - 1, '0');
        Encoding.ASCII.GetBytes(s).CopyTo(b, offset);
        b[offset + width - 1] = 0;
    }
}
