using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Output.Templates;

/// <summary>Walks a parsed template over a value tree, Go text/template semantics.</summary>
internal sealed class TemplateExecutor
{
    private enum Flow
    {
        Normal,
        Break,
        Continue,
    }

    private readonly string _name;
    private readonly string _text;
    private readonly TemplateOptions _options;
    private readonly object? _root;
    private readonly List<(string Name, object? Value)> _vars = [];
    private readonly StringBuilder _out;

    public TemplateExecutor(string name, string text, TemplateOptions options, object? root, StringBuilder output)
    {
        _name = name;
        _text = text;
        _options = options;
        _root = root;
        _out = output;
        _vars.Add(("$", root));
    }

    public void Run(ListNode list) => Walk(list, _root);

    private Flow Walk(ListNode list, object? dot)
    {
        foreach (Node node in list.Nodes)
        {
            Flow flow = Walk(node, dot);
            if (flow != Flow.Normal) return flow;
        }
        return Flow.Normal;
    }

    private Flow Walk(Node node, object? dot)
    {
        switch (node)
        {
            case TextNode text:
                _out.Append(text.Text);
                return Flow.Normal;
            case ActionNode action:
                object? value = EvalPipe(action.Pipe, dot);
                if (action.Pipe.Decl.Count == 0) GoValues.Print(_out, value);
                return Flow.Normal;
            case BranchNode { Kind: BranchKind.Range } range:
                return WalkRange(range, dot);
            case BranchNode branch:
            {
                int mark = _vars.Count;
                try
                {
                    object? cond = EvalPipe(branch.Pipe, dot);
                    if (GoValues.IsTrue(cond))
                        return Walk(branch.List, branch.Kind == BranchKind.With ? cond : dot);
                    return branch.Else is null ? Flow.Normal : Walk(branch.Else, dot);
                }
                finally
                {
                    _vars.RemoveRange(mark, _vars.Count - mark);
                }
            }
            case BreakNode b:
                return b.IsContinue ? Flow.Continue : Flow.Break;
            default:
                throw Error(node, "unknown node");
        }
    }

    private Flow WalkRange(BranchNode range, object? dot)
    {
        int mark = _vars.Count;
        try
        {
            PipeNode pipe = range.Pipe;
            object? value = EvalPipe(pipe with { Decl = [] }, dot);
            List<(object? Key, object? Item)> items = Iterate(range, value);
            if (items.Count == 0) return range.Else is null ? Flow.Normal : Walk(range.Else, dot);
            foreach ((object? key, object? item) in items)
            {
                int inner = _vars.Count;
                if (pipe.Decl.Count == 1) _vars.Add((pipe.Decl[0], item));
                else if (pipe.Decl.Count == 2)
                {
                    _vars.Add((pipe.Decl[0], key));
                    _vars.Add((pipe.Decl[1], item));
                }
                Flow flow = Walk(range.List, item);
                _vars.RemoveRange(inner, _vars.Count - inner);
                if (flow == Flow.Break) break;
            }
            return Flow.Normal;
        }
        finally
        {
            _vars.RemoveRange(mark, _vars.Count - mark);
        }
    }

    private List<(object? Key, object? Item)> Iterate(BranchNode range, object? value)
    {
        var items = new List<(object?, object?)>();
        switch (value)
        {
            case null or NoValue:
                break;
            case JsonArray array:
                for (int i = 0; i < array.Count; i++) items.Add(((long)i, GoValues.FromNode(array[i])));
                break;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) items.Add(((long)i, list[i]));
                break;
            case JsonObject obj:
                foreach (KeyValuePair<string, JsonNode?> kv in obj.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                    items.Add((kv.Key, GoValues.FromNode(kv.Value)));
                break;
            case long n:
                for (long i = 0; i < n; i++) items.Add((i, i));
                break;
            default:
                throw Error(range, $"range can't iterate over {GoValues.Print(value)}");
        }
        return items;
    }

    private object? EvalPipe(PipeNode pipe, object? dot)
    {
        object? value = null;
        bool hasFinal = false;
        foreach (CommandNode cmd in pipe.Commands)
        {
            value = EvalCommand(cmd, dot, value, hasFinal);
            hasFinal = true;
        }
        if (pipe.Decl.Count == 1)
        {
            string name = pipe.Decl[0];
            if (pipe.IsAssign)
            {
                int i = FindVar(name);
                if (i < 0) throw Error(pipe, $"undefined variable: {name}");
                _vars[i] = (name, value);
            }
            else
            {
                _vars.Add((name, value));
            }
        }
        return value;
    }

    private object? EvalCommand(CommandNode cmd, object? dot, object? final, bool hasFinal)
    {
        Node first = cmd.Args[0];
        if (first is IdentifierNode fn)
        {
            var args = new List<object?>(cmd.Args.Count);
            for (int i = 1; i < cmd.Args.Count; i++) args.Add(EvalArg(cmd.Args[i], dot));
            if (hasFinal) args.Add(final);
            try
            {
                return TemplateFunctions.Call(fn.Name, [.. args]);
            }
            catch (TemplateFunctionException e)
            {
                throw Error(cmd, $"error calling {fn.Name}: {e.Message}");
            }
        }
        if (cmd.Args.Count > 1 || hasFinal)
        {
            string? field = first switch
            {
                FieldNode f => f.Idents[^1],
                ChainNode c => c.Fields[^1],
                VariableNode { Fields.Length: > 0 } v => v.Fields[^1],
                _ => null,
            };
            if (field is not null) throw Error(first, $"{field} has arguments but cannot be invoked as function");
            throw Error(first, $"can't give argument to non-function {first}");
        }
        if (first is NilNode) throw Error(first, "nil is not a command");
        return EvalArg(first, dot);
    }

    private object? EvalArg(Node node, object? dot) => node switch
    {
        DotNode => dot,
        FieldNode f => EvalFields(f, dot, f.Idents),
        VariableNode v => EvalFields(v, LookupVar(v), v.Fields),
        ChainNode c => EvalFields(c, EvalArg(c.Target, dot), c.Fields),
        PipeNode p => EvalPipe(p, dot),
        StringNode s => s.Value,
        NumberNode n => n.Value,
        BoolNode b => b.Value,
        NilNode => null,
        IdentifierNode fn => EvalCommand(new CommandNode(fn.Pos, [fn]), dot, null, false),
        _ => throw Error(node, "can't handle " + node),
    };

    private object? LookupVar(VariableNode v)
    {
        int i = FindVar(v.Name);
        if (i < 0) throw Error(v, $"undefined variable: {v.Name}");
        return _vars[i].Value;
    }

    private int FindVar(string name)
    {
        for (int i = _vars.Count - 1; i >= 0; i--)
        {
            if (_vars[i].Name == name) return i;
        }
        return -1;
    }

    private object? EvalFields(Node node, object? receiver, string[] names)
    {
        object? value = receiver;
        foreach (string name in names)
        {
            switch (value)
            {
                case JsonObject obj:
                    if (obj.TryGetPropertyValue(name, out JsonNode? child))
                    {
                        value = GoValues.FromNode(child);
                        break;
                    }
                    if (!_options.StrictFields) return NoValue.Instance;
                    throw Error(node, $"can't evaluate field {name} in type {_options.TypeName ?? "map[string]interface {}"}");
                case null or NoValue:
                    // A field of an absent map or struct prints <no value>, as podman does for nil labels.
                    return NoValue.Instance;
                default:
                    throw Error(node, $"can't evaluate field {name} in type {GoValues.TypeName(value)}");
            }
        }
        return value;
    }

    private TemplateException Error(Node node, string message)
    {
        int pos = Math.Min(node.Pos, _text.Length);
        int lastNewline = _text.LastIndexOf('\n', Math.Max(0, pos - 1));
        if (pos == 0) lastNewline = -1;
        int col = lastNewline < 0 ? pos : pos - (lastNewline + 1);
        int line = Errors.Line(_text, pos);
        return new TemplateException($"template: {_name}:{line}:{col}: executing \"{_name}\" at <{node}>: {message}");
    }
}
