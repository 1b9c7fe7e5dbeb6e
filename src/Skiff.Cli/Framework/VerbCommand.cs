using System.CommandLine;

namespace Skiff.Cli.Framework;

/// <summary>
/// A verb of a face. Adds to <see cref="Command"/> what pflag has and System.CommandLine lacks:
/// no-intersperse (everything after the first positionals is passed to the verb untouched, as
/// <c>podman run IMAGE CMD ARGS...</c> needs).
/// </summary>
public class VerbCommand : Command
{
    public VerbCommand(string name, string? description = null) : base(name, description) { }

    /// <summary>
    /// When set, after this many positional arguments every remaining token is passed raw to the
    /// verb's last argument, flags included (<c>run</c>: 1, <c>exec</c>: 1). Null: flags may appear anywhere.
    /// </summary>
    public int? RawAfterPositionals { get; init; }

    /// <summary>Drop one <c>--</c> right after the leading positionals (<c>buildah run CTR -- CMD</c>).</summary>
    public bool StripSeparator { get; init; }

    /// <summary>
    /// pflag's NoOptDefVal: options whose value is optional. Given bare (<c>--pull</c>) they take the
    /// value here; a value is then only read when attached (<c>--pull=never</c>), never from the next word.
    /// </summary>
    public Dictionary<Option, string> ImplicitValues { get; } = [];

    /// <summary>
    /// True when the verb handles SIGINT/SIGTERM itself (attached <c>run</c> proxies them to the
    /// container). Otherwise a signal cancels the handler's token and the process ends after a grace period.
    /// </summary>
    public bool HandlesSignals { get; init; }

    /// <summary>The arguments part of the usage line, as cobra's Use shows it: <c>IMAGE [COMMAND [ARG...]]</c>.</summary>
    public string? Usage { get; init; }

    /// <summary>Text of the help's Description section.</summary>
    public string? LongDescription { get; init; }

    /// <summary>Text of the help's Examples section, one example a line.</summary>
    public string? Examples { get; init; }

    /// <summary>The handler: <c>(parseResult, cancellationToken) -> exit code</c>.</summary>
    public void SetHandler(Func<ParseResult, CancellationToken, Task<int>> handler) => SetAction(handler);
}
