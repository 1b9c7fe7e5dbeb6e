using System.Globalization;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>
/// Times as Go's RFC 3339 (nano) marshalling writes them: UTC with "Z" and no trailing zeros in the fraction.
/// Reads Go's nine fractional digits, which .NET's own parser would reject beyond seven.
/// </summary>
public sealed class Rfc3339TimeConverter : JsonConverter<DateTimeOffset>
{
    public override DateTimeOffset Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string s = reader.GetString() ?? throw new JsonException("time is null");
        return Parse(s) ?? throw new JsonException($"invalid time \"{s}\"");
    }

    public static DateTimeOffset? Parse(string s)
    {
        int dot = s.IndexOf('.');
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < s.Length && char.IsAsciiDigit(s[end]))
            {
                end++;
            }
            if (end - dot - 1 > 7)
            {
                s = s[..(dot + 8)] + s[end..];
            }
        }
        return DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out DateTimeOffset t) ? t : null;
    }

    public override void Write(Utf8JsonWriter writer, DateTimeOffset value, JsonSerializerOptions options) =>
        writer.WriteStringValue(Format(value));

    public static string Format(DateTimeOffset value)
    {
        DateTimeOffset u = value.ToUniversalTime();
        string frac = u.ToString("fffffff", CultureInfo.InvariantCulture).TrimEnd('0');
        return u.ToString("yyyy-MM-dd'T'HH:mm:ss", CultureInfo.InvariantCulture) + (frac.Length > 0 ? "." + frac : "") + "Z";
    }
}
