using System.Text;

namespace Skiff.Build.Containerfile;

/// <summary>
/// Docker's word processing for instruction arguments: quotes (single: literal; double: expansions inside), the
/// escape character, and variable expansion (<c>$X</c>, <c>${X}</c>, <c>${X:-default}</c>, <c>${X:+alt}</c>).
/// </summary>
public static class Words
{
    /// <summary>Splits into words (whitespace outside quotes), removing quotes and expanding variables.</summary>
    public static List<string> Split(string text, Func<string, string?> lookup, char escape = '\\') => Process(text, lookup, escape, split: true);

    /// <summary>One word: quotes removed and variables expanded, whitespace kept.</summary>
    public static string Expand(string text, Func<string, string?> lookup, char escape = '\\') =>
        string.Join(' ', Process(text, lookup, escape, split: false));

    private static List<string> Process(string text, Func<string, string?> lookup, char escape, bool split)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        bool inWord = false;
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (split && char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    words.Add(current.ToString());
                    current.Clear();
                    inWord = false;
                }
                i++;
                continue;
            }
            inWord = true;
            if (c == escape && i + 1 < text.Length)
            {
                current.Append(text[i + 1]);
                i += 2;
            }
            else if (c == '\'')
            {
                int end = text.IndexOf('\'', i + 1);
                if (end < 0)
                {
                    throw new ContainerfileException($"unexpected end of statement while looking for matching single-quote in \"{text}\"");
                }
                current.Append(text, i + 1, end - i - 1);
                i = end + 1;
            }
            else if (c == '"')
            {
                i++;
                while (true)
                {
                    if (i >= text.Length)
                    {
                        throw new ContainerfileException($"unexpected end of statement while looking for matching double-quote in \"{text}\"");
                    }
                    char d = text[i];
                    if (d == '"')
                    {
                        i++;
                        break;
                    }
                    if (d == escape && i + 1 < text.Length && text[i + 1] is '"' or '$' || (d == escape && i + 1 < text.Length && text[i + 1] == escape))
                    {
                        current.Append(text[i + 1]);
                        i += 2;
                    }
                    else if (d == '$')
                    {
                        i = ExpandVariable(text, i, lookup, current);
                    }
                    else
                    {
                        current.Append(d);
                        i++;
                    }
                }
            }
            else if (c == '$')
            {
                i = ExpandVariable(text, i, lookup, current);
            }
            else
            {
                current.Append(c);
                i++;
            }
        }
        if (inWord || (!split && words.Count == 0))
        {
            words.Add(current.ToString());
        }
        return words;
    }

    /// <summary>Expands the variable at <paramref name="i"/> (a '$') into <paramref name="output"/>; returns the index after it.</summary>
    private static int ExpandVariable(string text, int i, Func<string, string?> lookup, StringBuilder output)
    {
        int k = i + 1;
        if (k < text.Length && text[k] == '{')
        {
            int close = text.IndexOf('}', k);
            if (close < 0)
            {
                throw new ContainerfileException($"missing '}}' in \"{text}\"");
            }
            string inner = text[(k + 1)..close];
            int nameEnd = 0;
            while (nameEnd < inner.Length && (char.IsLetterOrDigit(inner[nameEnd]) || inner[nameEnd] == '_'))
            {
                nameEnd++;
            }
            string name = inner[..nameEnd];
            string rest = inner[nameEnd..];
            string? value = lookup(name);
            if (rest.StartsWith(":-", StringComparison.Ordinal))
            {
                output.Append(string.IsNullOrEmpty(value) ? rest[2..] : value);
            }
            else if (rest.StartsWith(":+", StringComparison.Ordinal))
            {
                output.Append(string.IsNullOrEmpty(value) ? "" : rest[2..]);
            }
            else if (rest.StartsWith('-'))
            {
                output.Append(value ?? rest[1..]);
            }
            else if (rest.StartsWith('+'))
            {
                output.Append(value is null ? "" : rest[1..]);
            }
            else if (rest.Length == 0)
            {
                output.Append(value);
            }
            else
            {
                throw new ContainerfileException($"unsupported modifier ({rest}) in substitution \"{text}\"");
            }
            return close + 1;
        }
        int start = k;
        while (k < text.Length && (char.IsLetterOrDigit(text[k]) || text[k] == '_'))
        {
            k++;
        }
        if (k == start)
        {
            output.Append('$');
            return i + 1;
        }
        output.Append(lookup(text[start..k]));
        return k;
    }

    /// <summary>KEY=VALUE pairs (ENV, LABEL, ARG), or the legacy <c>KEY VALUE...</c> form of ENV/LABEL.</summary>
    public static List<KeyValuePair<string, string>> Pairs(string text, Func<string, string?> lookup, string instruction, char escape = '\\')
    {
        List<string> raw = SplitRaw(text, escape);
        var result = new List<KeyValuePair<string, string>>();
        if (raw.Count == 0)
        {
            throw new ContainerfileException($"{instruction} requires at least one argument");
        }
        if (!raw[0].Contains('=') && instruction != "ARG")
        {
            // Legacy form: the first word is the name, the rest of the line the value.
            string name = raw[0];
            string value = text.TrimStart()[raw[0].Length..].Trim();
            result.Add(new(name, Expand(value, lookup, escape)));
            return result;
        }
        foreach (string word in raw)
        {
            int eq = word.IndexOf('=');
            if (eq < 0)
            {
                if (instruction != "ARG")
                {
                    throw new ContainerfileException($"{instruction} names can not be blank: \"{word}\" has no '='");
                }
                result.Add(new(word, "\0"));
                continue;
            }
            string key = Expand(word[..eq], lookup, escape);
            if (key.Length == 0)
            {
                throw new ContainerfileException($"{instruction} names can not be blank");
            }
            result.Add(new(key, Expand(word[(eq + 1)..], lookup, escape)));
        }
        return result;
    }

    /// <summary>Splits on whitespace outside quotes, keeping quotes and escapes for later processing.</summary>
    private static List<string> SplitRaw(string text, char escape)
    {
        var words = new List<string>();
        var current = new StringBuilder();
        char quote = '\0';
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quote == '\0' && char.IsWhiteSpace(c))
            {
                if (current.Length > 0)
                {
                    words.Add(current.ToString());
                    current.Clear();
                }
                continue;
            }
            if (c == escape && i + 1 < text.Length && quote != '\'')
            {
                current.Append(c).Append(text[++i]);
                continue;
            }
            if (quote == '\0' && c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == quote)
            {
                quote = '\0';
            }
            current.Append(c);
        }
        if (current.Length > 0)
        {
            words.Add(current.ToString());
        }
        return words;
    }
}
