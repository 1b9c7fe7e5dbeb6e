using System.Globalization;
using System.Text;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Output.Templates;

/// <summary>Go's fmt.Sprintf for the verbs templates use: %v %s %d %q %t %f %g %e %x %X %c %%, flags - + 0 space, width and precision.</summary>
internal static class GoPrintf
{
    public static string Format(string format, object?[] args)
    {
        var sb = new StringBuilder();
        int argIndex = 0;
        for (int i = 0; i < format.Length; i++)
        {
            char c = format[i];
            if (c != '%')
            {
                sb.Append(c);
                continue;
            }
            if (++i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            bool minus = false, plus = false, zero = false, space = false;
            for (; i < format.Length; i++)
            {
                switch (format[i])
                {
                    case '-': minus = true; continue;
                    case '+': plus = true; continue;
                    case '0': zero = true; continue;
                    case ' ': space = true; continue;
                    case '#': continue;
                }
                break;
            }
            int width = ReadNumber(format, ref i, args, ref argIndex);
            int precision = -1;
            if (i < format.Length && format[i] == '.')
            {
                i++;
                precision = Math.Max(0, ReadNumber(format, ref i, args, ref argIndex));
            }
            if (i >= format.Length)
            {
                sb.Append("%!(NOVERB)");
                break;
            }
            char verb = format[i];
            if (verb == '%')
            {
                sb.Append('%');
                continue;
            }
            if (argIndex >= args.Length)
            {
                sb.Append("%!").Append(verb).Append("(MISSING)");
                continue;
            }
            object? arg = args[argIndex++];
            string body = FormatOne(verb, arg, precision, plus, space);
            Pad(sb, body, width, minus, zero && !minus && verb is not ('s' or 'q' or 'v' or 'c'));
        }
        if (argIndex < args.Length)
        {
            sb.Append("%!(EXTRA ");
            for (int k = argIndex; k < args.Length; k++)
            {
                if (k > argIndex) sb.Append(", ");
                sb.Append(GoValues.TypeName(args[k])).Append('=').Append(GoValues.Print(args[k]));
            }
            sb.Append(')');
        }
        return sb.ToString();
    }

    private static int ReadNumber(string format, ref int i, object?[] args, ref int argIndex)
    {
        if (i < format.Length && format[i] == '*')
        {
            i++;
            return argIndex < args.Length && args[argIndex++] is long l ? (int)l : 0;
        }
        int n = 0;
        while (i < format.Length && char.IsAsciiDigit(format[i])) n = (n * 10) + (format[i++] - '0');
        return n;
    }

    private static void Pad(StringBuilder sb, string body, int width, bool left, bool zero)
    {
        int pad = width - body.Length;
        if (pad <= 0)
        {
            sb.Append(body);
            return;
        }
        if (left) sb.Append(body).Append(' ', pad);
        else if (zero && body.Length > 0 && body[0] is '-' or '+') sb.Append(body[0]).Append('0', pad).Append(body, 1, body.Length - 1);
        else sb.Append(zero ? '0' : ' ', pad).Append(body);
    }

    private static string FormatOne(char verb, object? arg, int precision, bool plus, bool space)
    {
        string Sign(string s, bool negative) => negative ? s : plus ? "+" + s : space ? " " + s : s;
        switch (verb, arg)
        {
            case ('v', _):
            case ('s', string or NoValue or System.Text.Json.Nodes.JsonNode or List<object?>):
                string v = GoValues.Print(arg);
                return precision >= 0 && verb == 's' && v.Length > precision ? v[..precision] : v;
            case ('s', _):
                return arg is long or double or bool ? $"%!s({GoValues.TypeName(arg)}={GoValues.Print(arg)})" : GoValues.Print(arg);
            case ('q', string s):
                return ErrorReporter.GoQuote(s);
            case ('d', long l):
                return Sign(l.ToString(CultureInfo.InvariantCulture), l < 0);
            case ('t', bool b):
                return b ? "true" : "false";
            case ('c', long l):
                return char.ConvertFromUtf32((int)l);
            case ('x' or 'X', long l):
                string hex = Math.Abs(l).ToString(verb == 'x' ? "x" : "X", CultureInfo.InvariantCulture);
                return l < 0 ? "-" + hex : hex;
            case ('x' or 'X', string s):
                string h = Convert.ToHexString(Encoding.UTF8.GetBytes(s));
                return verb == 'x' ? h.ToLowerInvariant() : h;
            case ('f' or 'F', _) when AsDouble(arg) is double f:
                return Sign(f.ToString("F" + (precision < 0 ? 6 : precision).ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture), f < 0);
            case ('e', _) when AsDouble(arg) is double e:
                return Sign(GoExp(e, precision < 0 ? 6 : precision), e < 0);
            case ('g', _) when AsDouble(arg) is double g:
                return Sign(precision < 0 ? GoValues.FormatFloat(g) : GoValues.FormatG(g, precision), g < 0);
            default:
                return $"%!{verb}({GoValues.TypeName(arg)}={GoValues.Print(arg)})";
        }
    }

    private static double? AsDouble(object? arg) => arg switch
    {
        double d => d,
        long l => l,
        _ => null,
    };

    private static string GoExp(double d, int precision)
    {
        string s = Math.Abs(d).ToString("E" + precision.ToString(CultureInfo.InvariantCulture), CultureInfo.InvariantCulture);
        int e = s.IndexOf('E');
        int exp = int.Parse(s.AsSpan(e + 1), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);
        return (d < 0 ? "-" : "") + s[..e] + "e" + (exp < 0 ? "-" : "+") + Math.Abs(exp).ToString("00", CultureInfo.InvariantCulture);
    }
}
