namespace Skiff.Cli.Output.Templates;

// The parse tree of a Go text/template, reduced to what podman's --format uses.
// Pos is the byte offset in the template text, for Go-shaped error locations.

internal abstract record Node(int Pos);

internal sealed record ListNode(int Pos, List<Node> Nodes) : Node(Pos);

internal sealed record TextNode(int Pos, string Text) : Node(Pos);

internal sealed record ActionNode(int Pos, PipeNode Pipe) : Node(Pos);

internal enum BranchKind
{
    If,
    Range,
    With,
}

internal sealed record BranchNode(int Pos, BranchKind Kind, PipeNode Pipe, ListNode List, ListNode? Else) : Node(Pos);

internal sealed record BreakNode(int Pos, bool IsContinue) : Node(Pos);

/// <summary>A pipeline: <c>$x := cmd | cmd</c>. <see cref="IsAssign"/> is <c>=</c> rather than <c>:=</c>.</summary>
internal sealed record PipeNode(int Pos, List<string> Decl, bool IsAssign, List<CommandNode> Commands) : Node(Pos)
{
    public override string ToString() => (Decl.Count > 0 ? string.Join(", ", Decl) + (IsAssign ? " = " : " := ") : "") + string.Join(" | ", Commands);
}

internal sealed record CommandNode(int Pos, List<Node> Args) : Node(Pos)
{
    public override string ToString() => string.Join(" ", Args.Select(a => a is PipeNode p ? "(" + p + ")" : a.ToString()));
}

internal sealed record FieldNode(int Pos, string[] Idents) : Node(Pos)
{
    public override string ToString() => "." + string.Join(".", Idents);
}

internal sealed record ChainNode(int Pos, Node Target, string[] Fields) : Node(Pos)
{
    public override string ToString() => (Target is PipeNode p ? "(" + p + ")" : Target.ToString()) + "." + string.Join(".", Fields);
}

internal sealed record DotNode(int Pos) : Node(Pos)
{
    public override string ToString() => ".";
}

internal sealed record VariableNode(int Pos, string Name, string[] Fields) : Node(Pos)
{
    public override string ToString() => Fields.Length == 0 ? Name : Name + "." + string.Join(".", Fields);
}

internal sealed record IdentifierNode(int Pos, string Name) : Node(Pos)
{
    public override string ToString() => Name;
}

internal sealed record StringNode(int Pos, string Quoted, string Value) : Node(Pos)
{
    public override string ToString() => Quoted;
}

internal sealed record NumberNode(int Pos, string Text, object Value) : Node(Pos)
{
    public override string ToString() => Text;
}

internal sealed record BoolNode(int Pos, bool Value) : Node(Pos)
{
    public override string ToString() => Value ? "true" : "false";
}

internal sealed record NilNode(int Pos) : Node(Pos)
{
    public override string ToString() => "nil";
}
