using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Output.Templates;

/// <summary>The value of a missing map key; prints as Go's <c>&lt;no value&gt;</c>.</summary>
internal sealed class NoValue
{
    public static readonly NoValue Instance = new();

    private NoValue() { }

    public override string ToString() => "<no value>";
}

/// <summary>
/// Template values: strings, longs, doubles, bools, null, <see cref="JsonObject"/> (a struct or
/// map), <see cref="JsonArray"/> and <see cref="List{T}"/> (slices), printed the way Go's fmt does.
/// </summary>
internal static class GoValues
{
    private static readonly JsonSerializerOptions CompactJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static object? FromNode(JsonNode? node)
    {
        switch (node)
        {
            case null: return null;
            case JsonObject or JsonArray: return node;
        }
        var value = (JsonValue)node;
        switch (value.GetValueKind())
        {
            case JsonValueKind.String: return value.GetValue<string>();
            case JsonValueKind.True: return true;
            case JsonValueKind.False: return false;
            case JsonValueKind.Number:
                string text = value.ToJsonString();
                if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
                return double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            default: return null;
        }
    }

    public static JsonNode? ToNode(object? value) => value switch
    {
        null or NoValue => null,
        JsonNode node => node.DeepClone(),
        string s => JsonValue.Create(s),
        long l => JsonValue.Create(l),
        int i => JsonValue.Create(i),
        double d => JsonValue.Create(d),
        bool b => JsonValue.Create(b),
        List<object?> list => new JsonArray([.. list.Select(ToNode)]),
        _ => JsonValue.Create(value.ToString()),
    };

    public static string Json(object? value)
        => value is null or NoValue ? "null" : ToNode(value)!.ToJsonString(CompactJson);

    /// <summary>Go's template truth: false, 0, "", nil and empty collections are false.</summary>
    public static bool IsTrue(object? value) => value switch
    {
        null or NoValue => false,
        bool b => b,
        string s => s.Length > 0,
        long l => l != 0,
        double d => d != 0,
        JsonArray a => a.Count > 0,
        JsonObject o => o.Count > 0,
        List<object?> list => list.Count > 0,
        _ => true,
    };

    /// <summary>Go's %v.</summary>
    public static string Print(object? value)
    {
        var sb = new StringBuilder();
        Print(sb, value);
        return sb.ToString();
    }

    public static void Print(StringBuilder sb, object? value)
    {
        switch (value)
        {
            case null: sb.Append("<nil>"); break;
            case NoValue: sb.Append("<no value>"); break;
            case string s: sb.Append(s); break;
            case bool b: sb.Append(b ? "true" : "false"); break;
            case long l: sb.Append(l.ToString(CultureInfo.InvariantCulture)); break;
            case int i: sb.Append(i.ToString(CultureInfo.InvariantCulture)); break;
            case double d: sb.Append(FormatFloat(d)); break;
            case JsonArray array:
                sb.Append('[');
                for (int i = 0; i < array.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    Print(sb, FromNode(array[i]));
                }
                sb.Append(']');
                break;
            case List<object?> list:
                sb.Append('[');
                for (int i = 0; i < list.Count; i++)
                {
                    if (i > 0) sb.Append(' ');
                    Print(sb, list[i]);
                }
                sb.Append(']');
                break;
            case JsonObject obj:
                sb.Append("map[");
                bool first = true;
                foreach (KeyValuePair<string, JsonNode?> kv in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    if (!first) sb.Append(' ');
                    first = false;
                    sb.Append(kv.Key).Append(':');
                    Print(sb, FromNode(kv.Value));
                }
                sb.Append(']');
                break;
            default: sb.Append(value); break;
        }
    }

    /// <summary>Go's name of the value's type, for error messages.</summary>
    public static string TypeName(object? value) => value switch
    {
        null or NoValue => "interface {}",
        string => "string",
        bool => "bool",
        long or int => "int",
        double => "float64",
        JsonArray or List<object?> => "[]interface {}",
        JsonObject => "map[string]interface {}",
        _ => value.GetType().Name,
    };

    /// <summary>Go's strconv.FormatFloat(f, 'g', -1, 64), which %v uses.</summary>
    public static string FormatFloat(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "+Inf";
        if (double.IsNegativeInfinity(d)) return "-Inf";
        if (d == 0) return double.IsNegative(d) ? "-0" : "0";
        // "R" gives the shortest round-trip digits; Go then picks %e when the exponent is < -4 or >= 6.
        (string digits, int exp) = Decompose(d.ToString("R", CultureInfo.InvariantCulture));
        return Layout(d < 0, digits, exp, 6, shortest: true);
    }

    /// <summary>Go's %.{precision}g.</summary>
    public static string FormatG(double d, int precision)
    {
        if (d == 0) return "0";
        if (precision <= 0) precision = 1;
        string e = Math.Abs(d).ToString("E" + (precision - 1).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        (string digits, int exp) = Decompose(e);
        return Layout(d < 0, digits, exp, precision, shortest: false);
    }

    // Splits a formatted number into significant digits (no leading/trailing zeros) and the decimal exponent.
    private static (string Digits, int Exp) Decompose(string s)
    {
        s = s.TrimStart('-');
        int exp = 0;
        int e = s.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
            s = s[..e];
        }
        int dot = s.IndexOf('.');
        string intPart = dot < 0 ? s : s[..dot];
        string frac = dot < 0 ? "" : s[(dot + 1)..];
        string all = intPart + frac;
        int pointPos = intPart.Length + exp;
        int lead = 0;
        while (lead < all.Length - 1 && all[lead] == '0') lead++;
        all = all[lead..];
        pointPos -= lead;
        all = all.TrimEnd('0');
        if (all.Length == 0) all = "0";
        return (all, pointPos - 1);
    }

    private static string Layout(bool negative, string digits, int exp, int eprec, bool shortest)
    {
        if (!shortest && eprec > digits.Length && digits.Length >= exp + 1) eprec = digits.Length;
        var sb = new StringBuilder();
        if (negative) sb.Append('-');
        if (exp < -4 || exp >= eprec)
        {
            sb.Append(digits[0]);
            if (digits.Length > 1) sb.Append('.').Append(digits, 1, digits.Length - 1);
            sb.Append('e').Append(exp < 0 ? '-' : '+');
            int ax = Math.Abs(exp);
            if (ax < 10) sb.Append('0');
            sb.Append(ax.ToString(CultureInfo.InvariantCulture));
            return sb.ToString();
        }
        if (exp < 0)
        {
            sb.Append("0.").Append('0', -exp - 1).Append(digits);
            return sb.ToString();
        }
        if (digits.Length <= exp + 1)
        {
            sb.Append(digits).Append('0', exp + 1 - digits.Length);
            return sb.ToString();
        }
        sb.Append(digits, 0, exp + 1).Append('.').Append(digits, exp + 1, digits.Length - exp - 1);
        return sb.ToString();
    }
}
