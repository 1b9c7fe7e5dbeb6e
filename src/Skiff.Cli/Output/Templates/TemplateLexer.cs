using System.Globalization;
using System.Text;

namespace Skiff.Cli.Output.Templates;

internal enum TokenKind
{
    Field,
    Dot,
    Variable,
    Identifier,
    String,
    Number,
    Pipe,
    LeftParen,
    RightParen,
    Declare,
    Assign,
    Comma,
}

internal readonly record struct Token(TokenKind Kind, int Pos, string Text, bool SpaceBefore, string? Value = null);

/// <summary>One piece of template text: literal text, or the tokens of one <c>{{...}}</c> action.</summary>
internal sealed record Item(int Pos, string? Text, List<Token>? Tokens);

/// <summary>Splits a template into text and actions, applying <c>{{-</c> / <c>-}}</c> trimming and dropping comments.</summary>
internal sealed class TemplateLexer
{
    private const string Open = "{{";
    private const string Close = "}}";

    private readonly string _name;
    private readonly string _text;

    public TemplateLexer(string name, string text)
    {
        _name = name;
        _text = text;
    }

    public List<Item> Lex()
    {
        var items = new List<Item>();
        int pos = 0;
        bool trimNextText = false;
        while (pos <= _text.Length)
        {
            int open = _text.IndexOf(Open, pos, StringComparison.Ordinal);
            int textEnd = open < 0 ? _text.Length : open;
            bool trimLeft = open >= 0 && HasLeftTrim(open);
            string text = _text[pos..textEnd];
            if (trimNextText) text = text.TrimStart(' ', '\t', '\r', '\n');
            if (trimLeft) text = text.TrimEnd(' ', '\t', '\r', '\n');
            if (text.Length > 0) items.Add(new Item(pos, text, null));
            if (open < 0) break;

            int inner = open + Open.Length + (trimLeft ? 2 : 0);
            (List<Token>? tokens, int end, bool trimRight) = LexAction(inner, open);
            if (tokens is not null) items.Add(new Item(open, null, tokens));
            trimNextText = trimRight;
            pos = end;
        }
        return items;
    }

    private bool HasLeftTrim(int open)
    {
        int i = open + Open.Length;
        return i + 1 < _text.Length && _text[i] == '-' && IsSpace(_text[i + 1]);
    }

    private static bool IsSpace(char c) => c is ' ' or '\t' or '\r' or '\n';

    // Returns the tokens of the action starting at `pos` (null for a comment), the offset after its
    // closing delimiter and whether that delimiter trims the following text.
    private (List<Token>? Tokens, int End, bool TrimRight) LexAction(int pos, int actionStart)
    {
        if (_text.AsSpan(pos).TrimStart(" \t\r\n").StartsWith("/*"))
        {
            int commentStart = _text.IndexOf("/*", pos, StringComparison.Ordinal);
            int commentEnd = _text.IndexOf("*/", commentStart + 2, StringComparison.Ordinal);
            if (commentEnd < 0) throw Error(actionStart, "unclosed comment");
            int after = commentEnd + 2;
            while (after < _text.Length && IsSpace(_text[after])) after++;
            bool trim = false;
            if (_text.AsSpan(after).StartsWith("-}}") && after > commentEnd + 2) { trim = true; after++; }
            if (!_text.AsSpan(after).StartsWith(Close)) throw Error(actionStart, "comment ends before closing delimiter");
            return (null, after + Close.Length, trim);
        }

        var tokens = new List<Token>();
        int i = pos;
        bool space = true;
        while (true)
        {
            if (i >= _text.Length) throw Error(actionStart, "unclosed action");
            char c = _text[i];
            if (IsSpace(c))
            {
                int start = i;
                while (i < _text.Length && IsSpace(_text[i])) i++;
                if (_text.AsSpan(i).StartsWith("-}}"))
                    return (tokens, i + 3, true);
                if (i > start) space = true;
                continue;
            }
            if (_text.AsSpan(i).StartsWith(Close)) return (tokens, i + Close.Length, false);

            int tokenStart = i;
            switch (c)
            {
                case '|': tokens.Add(new Token(TokenKind.Pipe, i++, "|", space)); break;
                case '(': tokens.Add(new Token(TokenKind.LeftParen, i++, "(", space)); break;
                case ')': tokens.Add(new Token(TokenKind.RightParen, i++, ")", space)); break;
                case ',': tokens.Add(new Token(TokenKind.Comma, i++, ",", space)); break;
                case '=': tokens.Add(new Token(TokenKind.Assign, i++, "=", space)); break;
                case ':':
                    if (i + 1 < _text.Length && _text[i + 1] == '=')
                    {
                        tokens.Add(new Token(TokenKind.Declare, i, ":=", space));
                        i += 2;
                        break;
                    }
                    throw Error(i, "expected :=");
                case '"':
                case '`':
                    i = LexString(i, out string quoted, out string value);
                    tokens.Add(new Token(TokenKind.String, tokenStart, quoted, space, value));
                    break;
                case '.':
                    if (i + 1 < _text.Length && IsAlphaNumeric(_text[i + 1]) && !char.IsAsciiDigit(_text[i + 1]))
                    {
                        i++;
                        while (i < _text.Length && IsAlphaNumeric(_text[i])) i++;
                        tokens.Add(new Token(TokenKind.Field, tokenStart, _text[tokenStart..i], space));
                    }
                    else if (i + 1 < _text.Length && char.IsAsciiDigit(_text[i + 1]))
                    {
                        i = LexNumber(i);
                        tokens.Add(new Token(TokenKind.Number, tokenStart, _text[tokenStart..i], space));
                    }
                    else
                    {
                        tokens.Add(new Token(TokenKind.Dot, i++, ".", space));
                    }
                    break;
                case '$':
                    i++;
                    while (i < _text.Length && IsAlphaNumeric(_text[i])) i++;
                    tokens.Add(new Token(TokenKind.Variable, tokenStart, _text[tokenStart..i], space));
                    break;
                default:
                    if (char.IsAsciiDigit(c) || ((c == '-' || c == '+') && i + 1 < _text.Length && (char.IsAsciiDigit(_text[i + 1]) || _text[i + 1] == '.')))
                    {
                        i = LexNumber(i);
                        tokens.Add(new Token(TokenKind.Number, tokenStart, _text[tokenStart..i], space));
                    }
                    else if (IsAlphaNumeric(c))
                    {
                        while (i < _text.Length && IsAlphaNumeric(_text[i])) i++;
                        tokens.Add(new Token(TokenKind.Identifier, tokenStart, _text[tokenStart..i], space));
                    }
                    else
                    {
                        throw Error(i, $"bad character U+{(int)c:X4} {Quote(c)}");
                    }
                    break;
            }
            space = false;
        }
    }

    private int LexNumber(int i)
    {
        if (_text[i] is '-' or '+') i++;
        while (i < _text.Length && (char.IsAsciiLetterOrDigit(_text[i]) || _text[i] is '.' or '_'
               || ((_text[i] is '+' or '-') && (_text[i - 1] is 'e' or 'E' or 'p' or 'P')))) i++;
        return i;
    }

    private int LexString(int start, out string quoted, out string value)
    {
        char quote = _text[start];
        var sb = new StringBuilder();
        int i = start + 1;
        while (true)
        {
            if (i >= _text.Length || (quote == '"' && _text[i] == '\n')) throw Error(start, "unterminated quoted string");
            char c = _text[i];
            if (c == quote)
            {
                i++;
                break;
            }
            if (c == '\\' && quote == '"')
            {
                if (i + 1 >= _text.Length) throw Error(start, "unterminated quoted string");
                char e = _text[i + 1];
                i += 2;
                switch (e)
                {
                    case 'n': sb.Append('\n'); break;
                    case 't': sb.Append('\t'); break;
                    case 'r': sb.Append('\r'); break;
                    case '\\': sb.Append('\\'); break;
                    case '"': sb.Append('"'); break;
                    case '\'': sb.Append('\''); break;
                    case 'a': sb.Append('\a'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'v': sb.Append('\v'); break;
                    case 'x' when i + 2 <= _text.Length && int.TryParse(_text.AsSpan(i, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int hex):
                        sb.Append((char)hex);
                        i += 2;
                        break;
                    case 'u' when i + 4 <= _text.Length && int.TryParse(_text.AsSpan(i, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out int u):
                        sb.Append((char)u);
                        i += 4;
                        break;
                    default: throw Error(start, "invalid syntax");
                }
                continue;
            }
            sb.Append(c);
            i++;
        }
        quoted = _text[start..i];
        value = sb.ToString();
        return i;
    }

    private static bool IsAlphaNumeric(char c) => c == '_' || char.IsLetterOrDigit(c);

    private static string Quote(char c) => c == '\'' ? "'\\''" : "'" + c + "'";

    public TemplateException Error(int pos, string message) => Errors.Parse(_name, _text, pos, message);
}

internal static class Errors
{
    private const string RangeEnd = "{{end -}}";

    /// <summary>
    /// The 1-based line of <paramref name="pos"/>. Errors past the user's text (in the newline and
    /// range end that podman appends) count as on its last line, as Go reports them.
    /// </summary>
    public static int Line(string text, int pos)
    {
        int userEnd = text.Length;
        if (text.EndsWith(RangeEnd, StringComparison.Ordinal)) userEnd -= RangeEnd.Length;
        if (userEnd > 0 && text[userEnd - 1] == '\n') userEnd--;
        return 1 + text.AsSpan(0, Math.Clamp(pos, 0, userEnd)).Count('\n');
    }

    public static TemplateException Parse(string name, string text, int pos, string message)
        => new($"template: {name}:{Line(text, pos)}: {message}");
}
