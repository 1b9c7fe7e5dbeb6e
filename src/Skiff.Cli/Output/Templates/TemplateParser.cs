using System.Globalization;

namespace Skiff.Cli.Output.Templates;

/// <summary>Builds the parse tree from the lexer's items (Go text/template grammar, no define/template/block).</summary>
internal sealed class TemplateParser
{
    private readonly string _name;
    private readonly string _text;
    private readonly List<Item> _items;
    private int _index;
    private Item? _terminator;

    public TemplateParser(string name, string text)
    {
        _name = name;
        _text = text;
        _items = new TemplateLexer(name, text).Lex();
    }

    public ListNode Parse()
    {
        ListNode list = ParseList(out string? terminator);
        if (terminator is not null) throw Error(_terminator!.Pos, $"unexpected {{{{{terminator}}}}}");
        return list;
    }

    private ListNode ParseList(out string? terminator)
    {
        var nodes = new List<Node>();
        int listPos = _index < _items.Count ? _items[_index].Pos : _text.Length;
        while (_index < _items.Count)
        {
            Item item = _items[_index++];
            if (item.Text is not null)
            {
                nodes.Add(new TextNode(item.Pos, item.Text));
                continue;
            }
            List<Token> tokens = item.Tokens!;
            if (tokens.Count > 0 && tokens[0].Kind == TokenKind.Identifier)
            {
                switch (tokens[0].Text)
                {
                    case "end":
                        if (tokens.Count > 1) throw Error(item.Pos, $"unexpected {Describe(tokens[1])} in end");
                        _terminator = item;
                        terminator = "end";
                        return new ListNode(listPos, nodes);
                    case "else":
                        _terminator = item;
                        terminator = "else";
                        return new ListNode(listPos, nodes);
                    case "if":
                        nodes.Add(ParseBranch(BranchKind.If, item, 1));
                        continue;
                    case "range":
                        nodes.Add(ParseBranch(BranchKind.Range, item, 1));
                        continue;
                    case "with":
                        nodes.Add(ParseBranch(BranchKind.With, item, 1));
                        continue;
                    case "break":
                    case "continue":
                        nodes.Add(new BreakNode(item.Pos, tokens[0].Text == "continue"));
                        continue;
                    case "define":
                    case "template":
                    case "block":
                        throw Error(item.Pos, $"{tokens[0].Text} is not supported in --format templates");
                }
            }
            var cursor = new Cursor(tokens, item.Pos);
            PipeNode pipe = ParsePipe(cursor, allowDecl: true, inParens: false, context: "command");
            nodes.Add(new ActionNode(item.Pos, pipe));
        }
        terminator = null;
        return new ListNode(listPos, nodes);
    }

    private BranchNode ParseBranch(BranchKind kind, Item item, int skip)
    {
        var cursor = new Cursor(item.Tokens!, item.Pos, skip);
        string keyword = kind.ToString().ToLowerInvariant();
        PipeNode pipe = ParsePipe(cursor, allowDecl: true, inParens: false, context: keyword);
        ListNode list = ParseList(out string? terminator);
        if (terminator is null) throw Error(_text.Length, $"unexpected EOF");
        ListNode? elseList = null;
        if (terminator == "else")
        {
            Item elseItem = _terminator!;
            List<Token> elseTokens = elseItem.Tokens!;
            if (elseTokens.Count > 1 && elseTokens[1].Kind == TokenKind.Identifier && elseTokens[1].Text is "if" or "with")
            {
                // `{{else if x}}` is an if nested in the else branch that shares the outer {{end}}.
                BranchKind nestedKind = elseTokens[1].Text == "if" ? BranchKind.If : BranchKind.With;
                BranchNode nested = ParseBranch(nestedKind, elseItem, 2);
                elseList = new ListNode(elseItem.Pos, [nested]);
                return new BranchNode(item.Pos, kind, pipe, list, elseList);
            }
            if (elseTokens.Count > 1) throw Error(elseItem.Pos, $"unexpected {Describe(elseTokens[1])} in else");
            elseList = ParseList(out terminator);
            if (terminator != "end") throw Error(terminator is null ? _text.Length : _terminator!.Pos, terminator is null ? "unexpected EOF" : $"expected end; found {{{{{terminator}}}}}");
        }
        return new BranchNode(item.Pos, kind, pipe, list, elseList);
    }

    private PipeNode ParsePipe(Cursor c, bool allowDecl, bool inParens, string context)
    {
        var decl = new List<string>();
        bool assign = false;
        int pos = c.Pos;
        if (allowDecl && c.Peek(0)?.Kind == TokenKind.Variable)
        {
            if (c.Peek(1)?.Kind is TokenKind.Declare or TokenKind.Assign)
            {
                decl.Add(c.Next().Text);
                assign = c.Next().Kind == TokenKind.Assign;
            }
            else if (c.Peek(1)?.Kind == TokenKind.Comma && c.Peek(2)?.Kind == TokenKind.Variable && c.Peek(3)?.Kind is TokenKind.Declare or TokenKind.Assign)
            {
                decl.Add(c.Next().Text);
                c.Next();
                decl.Add(c.Next().Text);
                assign = c.Next().Kind == TokenKind.Assign;
                if (context != "range") throw Error(pos, "too many declarations in " + context);
            }
        }

        var commands = new List<CommandNode>();
        while (true)
        {
            int cmdPos = c.Peek(0)?.Pos ?? c.Pos;
            var args = new List<Node>();
            while (c.Peek(0) is { } t && t.Kind is not (TokenKind.Pipe or TokenKind.RightParen))
            {
                if (args.Count > 0 && !t.SpaceBefore) throw Error(t.Pos, $"missing space? {Describe(t)}");
                args.Add(ParseOperand(c));
            }
            if (args.Count == 0) throw Error(cmdPos, $"missing value for {context}");
            commands.Add(new CommandNode(cmdPos, args));
            if (c.Peek(0)?.Kind == TokenKind.Pipe)
            {
                c.Next();
                continue;
            }
            break;
        }

        if (inParens)
        {
            if (c.Peek(0)?.Kind != TokenKind.RightParen) throw Error(c.Pos, "unclosed left paren");
            c.Next();
        }
        else if (c.Peek(0) is { } extra)
        {
            throw Error(extra.Pos, $"unexpected {Describe(extra)} in {context}");
        }
        return new PipeNode(pos, decl, assign, commands);
    }

    private Node ParseOperand(Cursor c)
    {
        Token t = c.Next();
        Node term;
        switch (t.Kind)
        {
            case TokenKind.Field:
                term = new FieldNode(t.Pos, [.. AdjacentFields(c, t.Text[1..])]);
                return term;
            case TokenKind.Variable:
                return new VariableNode(t.Pos, t.Text, [.. AdjacentFields(c, null)]);
            case TokenKind.Dot:
                term = new DotNode(t.Pos);
                break;
            case TokenKind.String:
                term = new StringNode(t.Pos, t.Text, t.Value!);
                break;
            case TokenKind.Number:
                term = new NumberNode(t.Pos, t.Text, ParseNumber(t));
                break;
            case TokenKind.Identifier:
                term = t.Text switch
                {
                    "true" => new BoolNode(t.Pos, true),
                    "false" => new BoolNode(t.Pos, false),
                    "nil" => new NilNode(t.Pos),
                    _ when TemplateFunctions.IsDefined(t.Text) => new IdentifierNode(t.Pos, t.Text),
                    _ => throw Error(t.Pos, $"function \"{t.Text}\" not defined"),
                };
                break;
            case TokenKind.LeftParen:
                term = ParsePipe(c, allowDecl: false, inParens: true, context: "parenthesized pipeline");
                term = ((PipeNode)term) with { Pos = t.Pos };
                break;
            default:
                throw Error(t.Pos, $"unexpected {Describe(t)} in operand");
        }
        List<string> fields = AdjacentFields(c, null);
        return fields.Count == 0 ? term : new ChainNode(t.Pos, term, [.. fields]);
    }

    private static List<string> AdjacentFields(Cursor c, string? first)
    {
        var fields = new List<string>();
        if (first is not null) fields.Add(first);
        while (c.Peek(0) is { Kind: TokenKind.Field, SpaceBefore: false } f)
        {
            c.Next();
            fields.Add(f.Text[1..]);
        }
        return fields;
    }

    private object ParseNumber(Token t)
    {
        string s = t.Text.Replace("_", "", StringComparison.Ordinal);
        bool negative = s.StartsWith('-');
        string digits = s.TrimStart('-', '+');
        if (digits.StartsWith("0x", StringComparison.OrdinalIgnoreCase)
            && long.TryParse(digits.AsSpan(2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out long hex))
            return negative ? -hex : hex;
        if (long.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long l)) return l;
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return d;
        throw Error(t.Pos, $"bad number syntax: \"{t.Text}\"");
    }

    private static string Describe(Token t) => t.Kind switch
    {
        TokenKind.String => $"quoted string {t.Text}",
        TokenKind.Number => $"number {t.Text}",
        _ => $"<{t.Text}>",
    };

    private TemplateException Error(int pos, string message) => Errors.Parse(_name, _text, pos, message);

    private sealed class Cursor(List<Token> tokens, int actionPos, int start = 0)
    {
        private int _i = start;

        public int Pos => _i < tokens.Count ? tokens[_i].Pos : actionPos;

        public Token? Peek(int ahead) => _i + ahead < tokens.Count ? tokens[_i + ahead] : null;

        public Token Next() => tokens[_i++];
    }
}
