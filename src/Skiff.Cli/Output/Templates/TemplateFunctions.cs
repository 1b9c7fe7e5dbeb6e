using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Output.Templates;

/// <summary>A function failed; the executor reports it as Go does: <c>error calling NAME: MESSAGE</c>.</summary>
internal sealed class TemplateFunctionException(string message) : Exception(message);

/// <summary>Go's builtin template functions plus the ones podman adds (json, join, lower, upper, ...).</summary>
internal static class TemplateFunctions
{
    private static readonly Dictionary<string, Func<object?[], object?>> Functions = new(StringComparer.Ordinal)
    {
        ["and"] = args => { Arity("and", args, 1, int.MaxValue); foreach (object? a in args) if (!GoValues.IsTrue(a)) return a; return args[^1]; },
        ["or"] = args => { Arity("or", args, 1, int.MaxValue); foreach (object? a in args) if (GoValues.IsTrue(a)) return a; return args[^1]; },
        ["not"] = args => { Arity("not", args, 1, 1); return !GoValues.IsTrue(args[0]); },
        ["len"] = args => { Arity("len", args, 1, 1); return Len(args[0]); },
        ["index"] = Index,
        ["print"] = args => Sprint(args),
        ["println"] = args => string.Join(' ', args.Select(GoValues.Print)) + "\n",
        ["printf"] = args => { Arity("printf", args, 1, int.MaxValue); return GoPrintf.Format(AsString("printf", args[0]), args[1..]); },
        ["eq"] = args => { Arity("eq", args, 1, int.MaxValue); for (int i = 1; i < args.Length; i++) if (Compare(args[0], args[i]) == 0) return true; return false; },
        ["ne"] = args => { Arity("ne", args, 2, 2); return Compare(args[0], args[1]) != 0; },
        ["lt"] = args => { Arity("lt", args, 2, 2); return Compare(args[0], args[1], ordered: true) < 0; },
        ["le"] = args => { Arity("le", args, 2, 2); return Compare(args[0], args[1], ordered: true) <= 0; },
        ["gt"] = args => { Arity("gt", args, 2, 2); return Compare(args[0], args[1], ordered: true) > 0; },
        ["ge"] = args => { Arity("ge", args, 2, 2); return Compare(args[0], args[1], ordered: true) >= 0; },
        ["json"] = args => { Arity("json", args, 1, 1); return GoValues.Json(args[0]); },
        ["lower"] = args => { Arity("lower", args, 1, 1); return AsString("lower", args[0]).ToLowerInvariant(); },
        ["upper"] = args => { Arity("upper", args, 1, 1); return AsString("upper", args[0]).ToUpperInvariant(); },
        ["title"] = args => { Arity("title", args, 1, 1); return Title(AsString("title", args[0])); },
        ["join"] = args => { Arity("join", args, 2, 2); return string.Join(AsString("join", args[1]), Elements("join", args[0]).Select(GoValues.Print)); },
        ["split"] = args => { Arity("split", args, 2, 2); return AsString("split", args[0]).Split(AsString("split", args[1])).Select(s => (object?)s).ToList(); },
        ["truncate"] = args => { Arity("truncate", args, 2, 2); string s = AsString("truncate", args[0]); int n = (int)AsLong("truncate", args[1]); return s.Length > n ? s[..n] : s; },
        ["pad"] = args => { Arity("pad", args, 3, 3); return new string(' ', (int)AsLong("pad", args[1])) + AsString("pad", args[0]) + new string(' ', (int)AsLong("pad", args[2])); },
        ["contains"] = args => { Arity("contains", args, 2, 2); return AsString("contains", args[1]).Contains(AsString("contains", args[0]), StringComparison.Ordinal); },
    };

    public static bool IsDefined(string name) => Functions.ContainsKey(name);

    public static object? Call(string name, object?[] args) => Functions[name](args);

    private static void Arity(string name, object?[] args, int min, int max)
    {
        if (args.Length < min || args.Length > max)
        {
            string want = min == max ? min.ToString(CultureInfo.InvariantCulture) : $"at least {min}";
            throw new TemplateFunctionException($"wrong number of args for {name}: want {want} got {args.Length}");
        }
    }

    private static string AsString(string name, object? value) => value switch
    {
        string s => s,
        _ => throw new TemplateFunctionException($"wrong type for value; expected string; got {GoValues.TypeName(value)}"),
    };

    private static long AsLong(string name, object? value) => value switch
    {
        long l => l,
        double d when d == Math.Floor(d) => (long)d,
        _ => throw new TemplateFunctionException($"wrong type for value; expected int; got {GoValues.TypeName(value)}"),
    };

    private static IEnumerable<object?> Elements(string name, object? value) => value switch
    {
        JsonArray a => a.Select(GoValues.FromNode),
        List<object?> l => l,
        null => [],
        _ => throw new TemplateFunctionException($"wrong type for value; expected []string; got {GoValues.TypeName(value)}"),
    };

    private static long Len(object? value) => value switch
    {
        string s => Encoding.UTF8.GetByteCount(s),
        JsonArray a => a.Count,
        JsonObject o => o.Count,
        List<object?> l => l.Count,
        null => 0,
        _ => throw new TemplateFunctionException($"len of type {GoValues.TypeName(value)}"),
    };

    private static object? Index(object?[] args)
    {
        Arity("index", args, 1, int.MaxValue);
        object? item = args[0];
        for (int i = 1; i < args.Length; i++)
        {
            object? key = args[i];
            switch (item)
            {
                case JsonArray a:
                {
                    long n = AsIndex(key);
                    if (n < 0 || n >= a.Count) throw new TemplateFunctionException($"index out of range: {n}");
                    item = GoValues.FromNode(a[(int)n]);
                    break;
                }
                case List<object?> l:
                {
                    long n = AsIndex(key);
                    if (n < 0 || n >= l.Count) throw new TemplateFunctionException($"index out of range: {n}");
                    item = l[(int)n];
                    break;
                }
                case JsonObject o:
                    if (key is not string k) throw new TemplateFunctionException($"value has type {GoValues.TypeName(key)}; should be string");
                    item = o.TryGetPropertyValue(k, out JsonNode? node) ? GoValues.FromNode(node) : NoValue.Instance;
                    break;
                case null or NoValue:
                    // podman prints <no value> for an index into an absent map (e.g. no labels).
                    return NoValue.Instance;
                default:
                    throw new TemplateFunctionException($"can't index item of type {GoValues.TypeName(item)}");
            }
        }
        return item;
    }

    private static long AsIndex(object? key) => key switch
    {
        long l => l,
        _ => throw new TemplateFunctionException($"cannot index slice/array with type {GoValues.TypeName(key)}"),
    };

    private static string Sprint(object?[] args)
    {
        var sb = new StringBuilder();
        for (int i = 0; i < args.Length; i++)
        {
            // Go's Sprint separates operands with a space only when neither side is a string.
            if (i > 0 && args[i] is not string && args[i - 1] is not string) sb.Append(' ');
            GoValues.Print(sb, args[i]);
        }
        return sb.ToString();
    }

    private static string Title(string s)
    {
        var chars = s.ToCharArray();
        bool start = true;
        for (int i = 0; i < chars.Length; i++)
        {
            if (start && char.IsLetter(chars[i])) chars[i] = char.ToUpperInvariant(chars[i]);
            start = !char.IsLetterOrDigit(chars[i]) && chars[i] != '_' && chars[i] != '\'';
        }
        return new string(chars);
    }

    private static int Compare(object? a, object? b, bool ordered = false)
    {
        switch (a, b)
        {
            case (long x, long y): return x.CompareTo(y);
            case (long x, double y): return ((double)x).CompareTo(y);
            case (double x, long y): return x.CompareTo(y);
            case (double x, double y): return x.CompareTo(y);
            case (string x, string y): return string.CompareOrdinal(x, y);
            case (bool x, bool y) when !ordered: return x == y ? 0 : 1;
            case (null or NoValue, null or NoValue) when !ordered: return 0;
        }
        if (ordered || (a is not null && b is not null && a.GetType() != b.GetType() && a is not (JsonNode or List<object?>)))
            throw new TemplateFunctionException(ordered ? "invalid type for comparison" : "incompatible types for comparison");
        return 1;
    }
}
