using System.Text;

namespace Skiff.Archive;

/// <summary>
/// Reads the raw header blocks of one entry (extended headers and the entry's own header) as they were on the
/// wire. TarReader does not check header checksums and decodes PAX values as UTF-8, which mangles binary xattr
/// values such as security.capability; this gives both back exactly.
/// </summary>
internal static class TarHeaderArea
{
    private const string XattrPrefix = "SCHILY.xattr.";

    /// <summary>
    /// Walks <paramref name="area"/> (from the entry's first header block to its data). Returns false when a
    /// header block has a bad checksum. <paramref name="xattrs"/> receives SCHILY.xattr records with raw values.
    /// </summary>
    public static bool TryParse(ReadOnlySpan<byte> area, Dictionary<string, byte[]> xattrs)
    {
        int offset = 0;
        bool sawHeader = false;
        while (offset + 512 <= area.Length)
        {
            ReadOnlySpan<byte> block = area.Slice(offset, 512);
            if (!ChecksumValid(block))
            {
                return false;
            }
            sawHeader = true;
            byte type = block[156];
            offset += 512;
            if (type is not ((byte)'x' or (byte)'g' or (byte)'L' or (byte)'K' or (byte)'X'))
            {
                break;
            }
            if (!TryParseSize(block.Slice(124, 12), out long size) || size > area.Length - offset)
            {
                break;
            }
            if (type is (byte)'x' or (byte)'X')
            {
                ParsePaxRecords(area.Slice(offset, (int)size), xattrs);
            }
            offset += (int)((size + 511) & ~511L);
        }
        return sawHeader;
    }

    public static bool ChecksumValid(ReadOnlySpan<byte> block)
    {
        long unsignedSum = 0;
        long signedSum = 0;
        for (int i = 0; i < 512; i++)
        {
            byte x = i is >= 148 and < 156 ? (byte)' ' : block[i];
            unsignedSum += x;
            signedSum += (sbyte)x;
        }
        ReadOnlySpan<byte> field = block.Slice(148, 8).Trim((byte)' ').TrimEnd((byte)0).Trim((byte)' ');
        long stored = 0;
        foreach (byte c in field)
        {
            if (c is < (byte)'0' or > (byte)'7')
            {
                return false;
            }
            stored = (stored * 8) + (c - '0');
        }
        return field.Length > 0 && (stored == unsignedSum || stored == signedSum);
    }

    private static bool TryParseSize(ReadOnlySpan<byte> field, out long size)
    {
        size = 0;
        if ((field[0] & 0x80) != 0)
        {
            // GNU base-256: big-endian two's complement in the remaining bytes.
            for (int i = 1; i < field.Length; i++)
            {
                if (size > (long.MaxValue >> 8))
                {
                    return false;
                }
                size = (size << 8) | field[i];
            }
            return true;
        }
        foreach (byte c in field.Trim((byte)' ').TrimEnd((byte)0).Trim((byte)' '))
        {
            if (c is < (byte)'0' or > (byte)'7' || size > (long.MaxValue >> 3))
            {
                return false;
            }
            size = (size * 8) + (c - '0');
        }
        return true;
    }

    private static void ParsePaxRecords(ReadOnlySpan<byte> data, Dictionary<string, byte[]> xattrs)
    {
        while (data.Length > 0)
        {
            int space = data.IndexOf((byte)' ');
            if (space <= 0 || !int.TryParse(data[..space], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int length)
                || length <= space + 1 || length > data.Length)
            {
                return;
            }
            ReadOnlySpan<byte> record = data[(space + 1)..length];
            if (record.Length > 0 && record[^1] == (byte)'\n')
            {
                record = record[..^1];
            }
            int eq = record.IndexOf((byte)'=');
            if (eq > 0)
            {
                string key = Encoding.UTF8.GetString(record[..eq]);
                if (key.StartsWith(XattrPrefix, StringComparison.Ordinal) && key.Length > XattrPrefix.Length)
                {
                    xattrs[key[XattrPrefix.Length..]] = record[(eq + 1)..].ToArray();
                }
            }
            data = data[length..];
        }
    }
}
