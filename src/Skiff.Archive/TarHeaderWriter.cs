using System.Text;

namespace Skiff.Archive;

/// <summary>One tar entry's metadata, as <see cref="TarHeaderWriter"/> encodes it.</summary>
internal sealed record TarHeader
{
    public required byte TypeFlag { get; init; }
    public required string Name { get; init; }
    public string LinkName { get; init; } = "";
    public uint Mode { get; init; }
    public long Uid { get; init; }
    public long Gid { get; init; }
    public long Size { get; init; }
    public long MtimeSeconds { get; init; }
    public uint DevMajor { get; init; }
    public uint DevMinor { get; init; }

    /// <summary>Extended attributes, written as PAX <c>SCHILY.xattr.NAME</c> records with the raw bytes as value.</summary>
    public IReadOnlyList<(string Name, byte[] Value)> Xattrs { get; init; } = [];
}

/// <summary>
/// Encodes ustar headers, with a PAX extended header only where ustar cannot hold a value (long or non-ASCII
/// names, big numbers, xattrs). We write our own rather than use TarWriter because layers must be reproducible
/// byte for byte: TarWriter names PAX headers after the process id and always adds a PAX header.
/// </summary>
internal static class TarHeaderWriter
{
    public const int BlockSize = 512;
    private const long MaxOctal7 = 0x1FFFFF;       // 07777777
    private const long MaxOctal11 = 0x1FFFFFFFF;   // 077777777777

    public const byte TypeRegular = (byte)'0';
    public const byte TypeHardLink = (byte)'1';
    public const byte TypeSymlink = (byte)'2';
    public const byte TypeChar = (byte)'3';
    public const byte TypeBlock = (byte)'4';
    public const byte TypeDirectory = (byte)'5';
    public const byte TypeFifo = (byte)'6';
    private const byte TypePax = (byte)'x';

    /// <summary>The header block(s) for <paramref name="h"/>; the caller writes the content and padding after them.</summary>
    public static byte[] Encode(TarHeader h)
    {
        List<(string Key, byte[] Value)> pax = [];
        byte[] name = Encoding.UTF8.GetBytes(h.Name);
        byte[] link = Encoding.UTF8.GetBytes(h.LinkName);
        (byte[] prefix, byte[] shortName) = SplitName(name, !IsAscii(h.Name));
        if (shortName.Length == 0)
        {
            pax.Add(("path", name));
            shortName = name.Length > 100 ? name[..100] : name;
            prefix = [];
        }
        if (link.Length > 100 || !IsAscii(h.LinkName))
        {
            pax.Add(("linkpath", link));
            link = link.Length > 100 ? link[..100] : link;
        }
        if (h.Size > MaxOctal11)
        {
            pax.Add(("size", Encoding.ASCII.GetBytes(h.Size.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        if (h.Uid > MaxOctal7 || h.Uid < 0)
        {
            pax.Add(("uid", Encoding.ASCII.GetBytes(h.Uid.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        if (h.Gid > MaxOctal7 || h.Gid < 0)
        {
            pax.Add(("gid", Encoding.ASCII.GetBytes(h.Gid.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        if (h.MtimeSeconds > MaxOctal11 || h.MtimeSeconds < 0)
        {
            pax.Add(("mtime", Encoding.ASCII.GetBytes(h.MtimeSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        }
        foreach ((string xname, byte[] value) in h.Xattrs)
        {
            pax.Add(("SCHILY.xattr." + xname, value));
        }

        using MemoryStream ms = new();
        if (pax.Count > 0)
        {
            byte[] records = EncodePaxRecords(pax);
            string paxName = PaxHeaderName(h.Name);
            ms.Write(Block(TypePax, Encoding.UTF8.GetBytes(paxName), [], [], 0x1A4 /* 0644 */, 0, 0, records.Length, 0, 0, 0));
            ms.Write(records);
            ms.Write(new byte[Padding(records.Length)]);
        }
        ms.Write(Block(h.TypeFlag, shortName, prefix, link, h.Mode,
            Math.Clamp(h.Uid, 0, MaxOctal7), Math.Clamp(h.Gid, 0, MaxOctal7),
            Math.Min(h.Size, MaxOctal11), Math.Clamp(h.MtimeSeconds, 0, MaxOctal11), h.DevMajor, h.DevMinor));
        return ms.ToArray();
    }

    public static int Padding(long size) => (int)((BlockSize - (size % BlockSize)) % BlockSize);

    private static bool IsAscii(string s) => Ascii.IsValid(s);

    // Go and GNU tar name PAX headers after the entry; any fixed scheme keeps the output reproducible.
    private static string PaxHeaderName(string name)
    {
        string trimmed = name.TrimEnd('/');
        int slash = trimmed.LastIndexOf('/');
        string result = slash < 0 ? $"PaxHeaders.0/{trimmed}" : $"{trimmed[..slash]}/PaxHeaders.0/{trimmed[(slash + 1)..]}";
        byte[] bytes = Encoding.UTF8.GetBytes(result);
        return bytes.Length <= 100 && IsAscii(result) ? result : "PaxHeaders.0/entry";
    }

    private static (byte[] Prefix, byte[] Name) SplitName(byte[] name, bool forcePax)
    {
        if (forcePax)
        {
            return ([], []);
        }
        if (name.Length <= 100)
        {
            return ([], name);
        }
        // ustar splits at a slash: up to 155 bytes of prefix, up to 100 of name.
        for (int i = Math.Min(name.Length - 1, 155); i > 0; i--)
        {
            if (name[i] == (byte)'/' && name.Length - i - 1 <= 100 && name.Length - i - 1 > 0)
            {
                return (name[..i], name[(i + 1)..]);
            }
        }
        return ([], []);
    }

    private static byte[] EncodePaxRecords(List<(string Key, byte[] Value)> records)
    {
        using MemoryStream ms = new();
        foreach ((string key, byte[] value) in records)
        {
            byte[] k = Encoding.UTF8.GetBytes(key);
            // "LEN KEY=VALUE\n" where LEN counts its own digits too.
            int body = 1 + k.Length + 1 + value.Length + 1;
            int len = body + 1;
            while (len != body + len.ToString(System.Globalization.CultureInfo.InvariantCulture).Length)
            {
                len = body + len.ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
            }
            ms.Write(Encoding.ASCII.GetBytes(len.ToString(System.Globalization.CultureInfo.InvariantCulture)));
            ms.WriteByte((byte)' ');
            ms.Write(k);
            ms.WriteByte((byte)'=');
            ms.Write(value);
            ms.WriteByte((byte)'\n');
        }
        return ms.ToArray();
    }

    private static byte[] Block(byte type, byte[] name, byte[] prefix, byte[] link, uint mode, long uid, long gid, long size, long mtime, uint devMajor, uint devMinor)
    {
        byte[] b = new byte[BlockSize];
        name.AsSpan().CopyTo(b.AsSpan(0, 100));
        Octal(b.AsSpan(100, 8), mode & 0xFFF);
        Octal(b.AsSpan(108, 8), uid);
        Octal(b.AsSpan(116, 8), gid);
        Octal(b.AsSpan(124, 12), size);
        Octal(b.AsSpan(136, 12), mtime);
        b[156] = type;
        link.AsSpan().CopyTo(b.AsSpan(157, 100));
        "ustar\000"u8.CopyTo(b.AsSpan(257, 8));
        if (type is TypeChar or TypeBlock)
        {
            Octal(b.AsSpan(329, 8), devMajor);
            Octal(b.AsSpan(337, 8), devMinor);
        }
        else
        {
            Octal(b.AsSpan(329, 8), 0);
            Octal(b.AsSpan(337, 8), 0);
        }
        prefix.AsSpan().CopyTo(b.AsSpan(345, 155));
        b.AsSpan(148, 8).Fill((byte)' ');
        int sum = 0;
        foreach (byte x in b)
        {
            sum += x;
        }
        Octal(b.AsSpan(148, 7), sum);
        b[155] = (byte)' ';
        return b;
    }

    // width-1 zero-padded octal digits and a NUL, as GNU tar and Go write them.
    private static void Octal(Span<byte> field, long value)
    {
        int digits = field.Length - 1;
        for (int i = digits - 1; i >= 0; i--)
        {
            field[i] = (byte)('0' + (value & 7));
            value >>= 3;
        }
        field[digits] = 0;
    }
}
