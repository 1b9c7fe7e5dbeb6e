using System.Text;
using Skiff.Image;

namespace Skiff.Registry.Config;

/// <summary>
/// The subset of TOML registries.conf uses: <c>[table]</c>, <c>[[array.of.tables]]</c>, <c>key = value</c> with
/// quoted or bare keys, strings (basic and literal), booleans, integers and arrays of those (over several lines),
/// comments. Tables are dictionaries; arrays of tables are lists of dictionaries.
/// </summary>
internal static class MiniToml
{
    public static Dictionary<string, object> Parse(string text, string path)
    {
        var root = new Dictionary<string, object>(StringComparer.Ordinal);
        Dictionary<string, object> current = root;
        var reader = new Reader(text, path);
        while (reader.SkipBlankAndComments())
        {
            if (reader.Peek == '[')
            {
                bool array = reader.TryConsume("[[");
                if (!array)
                {
                    reader.Expect('[');
                }
                List<string> keys = reader.ReadKeyPath(']');
                reader.Expect(']');
                if (array)
                {
                    reader.Expect(']');
                }
                current = array ? AppendTable(root, keys, reader) : OpenTable(root, keys, reader);
                reader.EndOfLine();
                continue;
            }
            List<string> key = reader.ReadKeyPath('=');
            reader.Expect('=');
            object value = reader.ReadValue();
            Dictionary<string, object> target = key.Count == 1 ? current : OpenTable(current, key[..^1], reader);
            target[key[^1]] = value;
            reader.EndOfLine();
        }
        return root;
    }

    private static Dictionary<string, object> OpenTable(Dictionary<string, object> root, List<string> keys, Reader reader)
    {
        Dictionary<string, object> t = root;
        foreach (string k in keys)
        {
            if (!t.TryGetValue(k, out object? next))
            {
                next = new Dictionary<string, object>(StringComparer.Ordinal);
                t[k] = next;
            }
            t = next switch
            {
                Dictionary<string, object> d => d,
                List<object> { Count: > 0 } l when l[^1] is Dictionary<string, object> last => last,
                _ => throw reader.Error($"\"{k}\" is not a table"),
            };
        }
        return t;
    }

    private static Dictionary<string, object> AppendTable(Dictionary<string, object> root, List<string> keys, Reader reader)
    {
        Dictionary<string, object> parent = OpenTable(root, keys[..^1], reader);
        if (!parent.TryGetValue(keys[^1], out object? existing))
        {
            existing = new List<object>();
            parent[keys[^1]] = existing;
        }
        if (existing is not List<object> list)
        {
            throw reader.Error($"\"{keys[^1]}\" is not an array of tables");
        }
        var table = new Dictionary<string, object>(StringComparer.Ordinal);
        list.Add(table);
        return table;
    }

    private sealed class Reader(string text, string path)
    {
        private int _pos;
        private int _line = 1;

        public char Peek => _pos < text.Length ? text[_pos] : '\0';

        public SkiffException Error(string message) => new($"{path}:{_line}: {message}");

        public bool TryConsume(string s)
        {
            if (string.CompareOrdinal(text, _pos, s, 0, s.Length) == 0)
            {
                _pos += s.Length;
                return true;
            }
            return false;
        }

        public void Expect(char c)
        {
            SkipSpaces();
            if (Peek != c)
            {
                throw Error($"expected '{c}'");
            }
            _pos++;
        }

        private void SkipSpaces()
        {
            while (Peek is ' ' or '\t')
            {
                _pos++;
            }
        }

        /// <summary>Skips whitespace, newlines and comments; false at end of text.</summary>
        public bool SkipBlankAndComments()
        {
            while (_pos < text.Length)
            {
                char c = text[_pos];
                if (c == '\n')
                {
                    _line++;
                    _pos++;
                }
                else if (c is ' ' or '\t' or '\r')
                {
                    _pos++;
                }
                else if (c == '#')
                {
                    while (_pos < text.Length && text[_pos] != '\n')
                    {
                        _pos++;
                    }
                }
                else
                {
                    return true;
                }
            }
            return false;
        }

        public void EndOfLine()
        {
            SkipSpaces();
            if (Peek == '#')
            {
                while (_pos < text.Length && text[_pos] != '\n')
                {
                    _pos++;
                }
            }
            if (Peek is '\r')
            {
                _pos++;
            }
            if (Peek is not ('\n' or '\0'))
            {
                throw Error($"unexpected '{Peek}' after value");
            }
        }

        public List<string> ReadKeyPath(char end)
        {
            var keys = new List<string>();
            while (true)
            {
                SkipSpaces();
                keys.Add(Peek is '"' or '\'' ? ReadString() : ReadBare());
                SkipSpaces();
                if (Peek == '.')
                {
                    _pos++;
                    continue;
                }
                if (Peek != end)
                {
                    throw Error($"expected '{end}' after key");
                }
                return keys;
            }
        }

        private string ReadBare()
        {
            int start = _pos;
            while (char.IsAsciiLetterOrDigit(Peek) || Peek is '_' or '-')
            {
                _pos++;
            }
            if (_pos == start)
            {
                throw Error("expected a key");
            }
            return text[start.._pos];
        }

        public object ReadValue()
        {
            SkipSpaces();
            switch (Peek)
            {
                case '"' or '\'':
                    return ReadString();
                case '[':
                {
                    _pos++;
                    var list = new List<object>();
                    while (true)
                    {
                        SkipBlankAndComments();
                        if (Peek == ']')
                        {
                            _pos++;
                            return list;
                        }
                        list.Add(ReadValue());
                        SkipBlankAndComments();
                        if (Peek == ',')
                        {
                            _pos++;
                        }
                        else if (Peek != ']')
                        {
                            throw Error("expected ',' or ']' in array");
                        }
                    }
                }
                default:
                {
                    int start = _pos;
                    while (char.IsAsciiLetterOrDigit(Peek) || Peek is '_' or '-' or '+' or '.')
                    {
                        _pos++;
                    }
                    string word = text[start.._pos];
                    if (word == "true")
                    {
                        return true;
                    }
                    if (word == "false")
                    {
                        return false;
                    }
                    if (long.TryParse(word.Replace("_", ""), System.Globalization.CultureInfo.InvariantCulture, out long n))
                    {
                        return n;
                    }
                    throw Error($"unsupported value \"{word}\"");
                }
            }
        }

        private string ReadString()
        {
            char quote = text[_pos];
            if (TryConsume(quote == '"' ? "\"\"\"" : "'''"))
            {
                throw Error("multi-line strings are not supported");
            }
            _pos++;
            var sb = new StringBuilder();
            while (true)
            {
                if (_pos >= text.Length || text[_pos] == '\n')
                {
                    throw Error("unterminated string");
                }
                char c = text[_pos++];
                if (c == quote)
                {
                    return sb.ToString();
                }
                if (c == '\\' && quote == '"')
                {
                    char e = _pos < text.Length ? text[_pos++] : '\0';
                    switch (e)
                    {
                        case 'n': sb.Append('\n'); break;
                        case 't': sb.Append('\t'); break;
                        case '\\': sb.Append('\\'); break;
                        case '"': sb.Append('"'); break;
                        case 'u' when _pos + 4 <= text.Length:
                            sb.Append((char)Convert.ToInt32(text.Substring(_pos, 4), 16));
                            _pos += 4;
                            break;
                        default: throw Error($"unsupported escape \\{e}");
                    }
                    continue;
                }
                sb.Append(c);
            }
        }
    }
}
