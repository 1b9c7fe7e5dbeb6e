using System.CommandLine;

namespace Skiff.Cli.Framework;

/// <summary>
/// One command set (podman, buildah or skopeo) as a System.CommandLine tree, with that tool's
/// global options, parse rules, error lines and exit codes.
/// </summary>
public sealed class Face
{
    private readonly CommandContext _context;

    private Face(CommandContext context, RootCommand root)
    {
        _context = context;
        Root = root;
    }

    public RootCommand Root { get; }

    public CommandContext Context => _context;

    /// <summary>Builds the face's tree from its verb factories.</summary>
    public static Face Create(CommandContext context, string description, IEnumerable<Func<CommandContext, Command>> verbs)
    {
        var root = new RootCommand(description);
        // Podman has no directives, response files or `--version` without `-v`: keep the root plain.
        root.Directives.Clear();
        for (int i = root.Options.Count - 1; i >= 0; i--)
        {
            if (root.Options[i] is VersionOption) root.Options.RemoveAt(i);
        }
        foreach (Option option in context.Globals.All) root.Options.Add(option);
        root.Options.Add(context.Globals.Version);
        foreach (Func<CommandContext, Command> verb in verbs) root.Subcommands.Add(verb(context));
        root.Subcommands.Add(HelpCommand(root, context));

        CobraHelp.Install(root, context);
        root.SetAction(parseResult =>
        {
            if (parseResult.GetValue(context.Globals.Version))
            {
                context.Out.WriteLine(VersionLine(context));
                return 0;
            }
            return ShowHelpThenFail(parseResult, context);
        });
        foreach (Command sub in root.Subcommands) AddGroupActions(sub, context);
        return new Face(context, root);
    }

    /// <summary>The <c>--version</c> line: "podman version 0.1.0" under the podman name.</summary>
    public static string VersionLine(CommandContext context) => context.Face switch
    {
        FaceKind.Buildah => $"{context.ProgramName} version {SkiffVersion.Value} (image-spec {SkiffVersion.ImageSpec}, runtime-spec {SkiffVersion.RuntimeSpec})",
        _ => $"{context.ProgramName} version {SkiffVersion.Value}",
    };

    /// <summary>Parses and runs one command line; never throws, returns the exit code.</summary>
    public async Task<int> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken = default)
    {
        try
        {
            NormalizedArgs normalized = ArgvNormalizer.Normalize(Root, args, _context.ProgramName);
            var parserConfiguration = new ParserConfiguration { ResponseFileTokenReplacer = null };
            ParseResult parseResult = Root.Parse(GlobalsAfterVerb(normalized), parserConfiguration);
            if (parseResult.Errors.Count > 0 && parseResult.Action is not { ClearsParseErrors: true })
                throw new UsageException(parseResult.Errors[0].Message, ArgvNormalizer.PathText(normalized.Path, _context.ProgramName));
            _context.Globals.Resolve(parseResult);
            var invocation = new InvocationConfiguration
            {
                Output = _context.Out,
                Error = _context.Err,
                EnableDefaultExceptionHandler = false,
            };
            if (normalized.Target is VerbCommand { HandlesSignals: true }) invocation.ProcessTerminationTimeout = null;
            return await parseResult.InvokeAsync(invocation, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            return ErrorReporter.Report(_context, e);
        }
    }

    /// <summary>
    /// System.CommandLine takes a root-level option value that ends in the program's own name
    /// (<c>--root /var/tmp/x/skiff</c>) for the root command itself. The global options are recursive,
    /// so they are handed over after the verb, where their values are read as values.
    /// </summary>
    private static IReadOnlyList<string> GlobalsAfterVerb(NormalizedArgs normalized)
    {
        if (normalized.Path.Count < 2)
        {
            return normalized.Tokens;
        }
        string verb = normalized.Path[1].Name;
        int at = -1;
        for (int i = 0; i < normalized.Tokens.Count; i++)
        {
            if (normalized.Tokens[i] == "--")
            {
                break;
            }
            if (normalized.Tokens[i] == verb || normalized.Path[1].Aliases.Contains(normalized.Tokens[i]))
            {
                at = i;
                break;
            }
        }
        if (at <= 0 || !normalized.Tokens.Take(at).All(t => t.StartsWith("--", StringComparison.Ordinal) && t.Contains('=')))
        {
            return normalized.Tokens;
        }
        return [normalized.Tokens[at], .. normalized.Tokens.Take(at), .. normalized.Tokens.Skip(at + 1)];
    }

    // cobra's `help [command]`.
    private static Command HelpCommand(RootCommand root, CommandContext context)
    {
        var help = new VerbCommand("help", "Help about any command") { Usage = "[command]" };
        var words = new Argument<string[]>("command") { Arity = ArgumentArity.ZeroOrMore };
        help.Arguments.Add(words);
        help.SetHandler((parseResult, _) =>
        {
            Command target = root;
            string path = context.ProgramName;
            foreach (string word in parseResult.GetValue(words) ?? [])
            {
                Command? next = target.Subcommands.FirstOrDefault(c => c.Name == word || c.Aliases.Contains(word));
                if (next is null) throw new UnknownCommandException(word, path);
                target = next;
                path += " " + next.Name;
            }
            CobraHelp.Write(context.Out, target, path);
            return Task.FromResult(0);
        });
        return help;
    }

    private static void AddGroupActions(Command command, CommandContext context)
    {
        if (command.Subcommands.Count == 0) return;
        if (command.Action is null) command.SetAction(parseResult => ShowHelpThenFail(parseResult, context));
        foreach (Command sub in command.Subcommands) AddGroupActions(sub, context);
    }

    // A group run bare prints its help and fails, as cobra's "missing command" does.
    private static int ShowHelpThenFail(ParseResult parseResult, CommandContext context)
    {
        string path = CobraHelp.PathOf(parseResult, context.ProgramName);
        CobraHelp.Write(context.Out, parseResult.CommandResult.Command, path);
        throw new MissingCommandException(path);
    }
}
