namespace Skiff.Build.Containerfile;

/// <summary>
/// One instruction of a Containerfile: its keyword (upper case), <c>--name=value</c> flags, the rest of the line
/// (continuations joined), heredoc bodies, and where it was.
/// </summary>
public sealed record Instruction
{
    public required string Keyword { get; init; }
    public required string Arguments { get; init; }
    public IReadOnlyDictionary<string, string> Flags { get; init; } = new Dictionary<string, string>();

    /// <summary>Repeatable flags (RUN --mount=... several times), in order.</summary>
    public IReadOnlyList<KeyValuePair<string, string>> FlagList { get; init; } = [];

    /// <summary>The arguments as a JSON array (exec form), or null for the shell form.</summary>
    public IReadOnlyList<string>? ExecForm { get; init; }
    public IReadOnlyList<Heredoc> Heredocs { get; init; } = [];

    /// <summary>The instruction as written (flags included, continuations joined with spaces), for history and cache keys.</summary>
    public required string Original { get; init; }
    public required string File { get; init; }
    public required int Line { get; init; }

    public string Where => $"{File}:{Line}";
}

/// <summary>A here-document: <c>&lt;&lt;EOF</c> (expanded), <c>&lt;&lt;"EOF"</c> (literal), <c>&lt;&lt;-EOF</c> (leading tabs stripped).</summary>
public sealed record Heredoc(string Name, string Content, bool Expand);

/// <summary>A Containerfile that cannot be parsed; the message starts with <c>FILE:LINE:</c>.</summary>
public sealed class ContainerfileException : BuildException
{
    public ContainerfileException(string message) : base(message) { }
}
