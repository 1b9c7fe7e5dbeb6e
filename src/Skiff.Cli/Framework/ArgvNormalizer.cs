using System.CommandLine;

namespace Skiff.Cli.Framework;

/// <summary>The result of <see cref="ArgvNormalizer.Normalize"/>.</summary>
/// <param name="Tokens">Arguments in an unambiguous form for System.CommandLine.</param>
/// <param name="Target">The deepest command the arguments name.</param>
/// <param name="Path">Commands from the root to <paramref name="Target"/>.</param>
public sealed record NormalizedArgs(IReadOnlyList<string> Tokens, Command Target, IReadOnlyList<Command> Path);

/// <summary>
/// Reads argv the way pflag (podman, buildah, skopeo) does and rewrites it into tokens that
/// System.CommandLine reads the same way: every option by its long name with its value attached
/// (<c>--name=value</c>), bundled short flags (<c>-it</c>) split, booleans explicit, and for
/// no-intersperse verbs a <c>--</c> before the raw tail. Errors are pflag's messages.
/// </summary>
public static class ArgvNormalizer
{
    public static NormalizedArgs Normalize(Command root, IReadOnlyList<string> args, string programName)
    {
        var path = new List<Command> { root };
        var output = new List<string>(args.Count + 1);
        Command cmd = root;
        int positionals = 0;

        for (int i = 0; i < args.Count; i++)
        {
            string a = args[i];
            if (a == "--")
            {
                output.Add("--");
                for (int j = i + 1; j < args.Count; j++) output.Add(args[j]);
                positionals += args.Count - i - 1;
                break;
            }

            if (a.StartsWith("--", StringComparison.Ordinal))
            {
                int eq = a.IndexOf('=');
                string name = eq < 0 ? a : a[..eq];
                string? value = eq < 0 ? null : a[(eq + 1)..];
                Option opt = Find(path, name) ?? throw Usage($"unknown flag: {name}", path, programName);
                if (IsFlag(opt))
                {
                    EmitFlag(output, opt, value, name, path, programName);
                }
                else
                {
                    if (value is null && ImplicitValue(path, opt) is { } implicitValue)
                    {
                        value = implicitValue;
                    }
                    else if (value is null)
                    {
                        if (i + 1 >= args.Count) throw Usage($"flag needs an argument: {name}", path, programName);
                        value = args[++i];
                    }
                    output.Add(opt.Name + "=" + value);
                }
                continue;
            }

            if (a.Length > 1 && a[0] == '-')
            {
                i = ReadShorthands(args, i, path, output, programName);
                continue;
            }

            if (positionals == 0 && FindSubcommand(cmd, a) is { } sub)
            {
                cmd = sub;
                path.Add(sub);
                output.Add(a);
                if (sub is VerbCommand { RawAfterPositionals: 0 })
                {
                    // Everything after the verb is its own command line (`skiff buildah ...`).
                    if (i + 1 < args.Count) output.Add("--");
                    for (int j = i + 1; j < args.Count; j++) output.Add(args[j]);
                    return new NormalizedArgs(output, cmd, path);
                }
                continue;
            }

            if (positionals == 0 && cmd.Arguments.Count == 0 && (cmd.Subcommands.Count > 0 || path.Count == 1))
                throw new UnknownCommandException(a, PathText(path, programName));

            positionals++;
            output.Add(a);
            if (cmd is VerbCommand { RawAfterPositionals: int n } verb && positionals >= n)
            {
                int rest = i + 1;
                if (verb.StripSeparator && rest < args.Count && args[rest] == "--") rest++;
                if (rest < args.Count) output.Add("--");
                for (int j = rest; j < args.Count; j++) output.Add(args[j]);
                break;
            }
        }
        // Help is answered whatever the arguments are, as cobra does.
        if (!output.Contains("--help")) CheckArgumentCount(cmd, positionals, path, programName);
        return new NormalizedArgs(output, cmd, path);
    }

    // Cobra's positional-count messages; raw tails of no-intersperse verbs are not counted.
    private static void CheckArgumentCount(Command cmd, int positionals, List<Command> path, string programName)
    {
        if (cmd is VerbCommand { RawAfterPositionals: int n } && positionals >= n) return;
        int min = 0, max = 0;
        foreach (Argument argument in cmd.Arguments)
        {
            min += argument.Arity.MinimumNumberOfValues;
            max = max == int.MaxValue || argument.Arity.MaximumNumberOfValues >= 100_000 ? int.MaxValue : max + argument.Arity.MaximumNumberOfValues;
        }
        if (positionals >= min && positionals <= max) return;
        string message;
        if (max == 0) message = $"`{PathText(path, programName)}` takes no arguments";
        else if (min == max) message = $"accepts {min} arg(s), received {positionals}";
        else if (positionals > max) message = $"accepts at most {max} arg(s), received {positionals}";
        else message = $"requires at least {min} arg(s), only received {positionals}";
        throw new ArgumentCountException(message);
    }

    /// <summary>"podman image ls" for a command path.</summary>
    public static string PathText(IReadOnlyList<Command> path, string programName)
    {
        var parts = new List<string>(path.Count) { programName };
        for (int i = 1; i < path.Count; i++) parts.Add(path[i].Name);
        return string.Join(' ', parts);
    }

    private static int ReadShorthands(IReadOnlyList<string> args, int i, List<Command> path, List<string> output, string programName)
    {
        string a = args[i];
        for (int j = 1; j < a.Length; j++)
        {
            char c = a[j];
            Option opt = FindShort(path, c) ?? throw Usage($"unknown shorthand flag: '{c}' in {a}", path, programName);
            string rest = a[(j + 1)..];
            if (IsFlag(opt))
            {
                if (rest.StartsWith('='))
                {
                    EmitFlag(output, opt, rest[1..], "-" + c, path, programName);
                    return i;
                }
                EmitFlag(output, opt, null, "-" + c, path, programName);
                continue;
            }
            if (rest.StartsWith('=')) rest = rest[1..];
            else if (rest.Length == 0 && ImplicitValue(path, opt) is { } implicitValue) rest = implicitValue;
            else if (rest.Length == 0)
            {
                if (i + 1 >= args.Count) throw Usage($"flag needs an argument: '{c}' in {a}", path, programName);
                rest = args[++i];
            }
            output.Add(opt.Name + "=" + rest);
            return i;
        }
        return i;
    }

    private static void EmitFlag(List<string> output, Option opt, string? value, string spelled, List<Command> path, string programName)
    {
        bool on = true;
        if (value is not null && !TryParseGoBool(value, out on))
        {
            string flagName = opt.Name;
            throw Usage($"invalid argument \"{value}\" for \"{FlagDisplay(spelled, flagName)}\" flag: strconv.ParseBool: parsing \"{value}\": invalid syntax", path, programName);
        }
        if (opt.Arity.MaximumNumberOfValues == 0)
        {
            if (on) output.Add(opt.Name);
            return;
        }
        output.Add(opt.Name + (on ? "=true" : "=false"));
    }

    // pflag names the flag as "-t, --tty" when it has a shorthand; we keep the spelling the user typed.
    private static string FlagDisplay(string spelled, string longName) => spelled.StartsWith("--", StringComparison.Ordinal) ? spelled : longName;

    /// <summary>Go's strconv.ParseBool.</summary>
    public static bool TryParseGoBool(string s, out bool value)
    {
        switch (s)
        {
            case "1" or "t" or "T" or "TRUE" or "true" or "True":
                value = true;
                return true;
            case "0" or "f" or "F" or "FALSE" or "false" or "False":
                value = false;
                return true;
            default:
                value = false;
                return false;
        }
    }

    private static string? ImplicitValue(List<Command> path, Option opt)
    {
        foreach (Command command in path)
        {
            if (command is VerbCommand verb && verb.ImplicitValues.TryGetValue(opt, out string? value)) return value;
        }
        return null;
    }

    private static bool IsFlag(Option opt) => opt.ValueType == typeof(bool) || opt.Arity.MaximumNumberOfValues == 0;

    private static Command? FindSubcommand(Command cmd, string name)
    {
        foreach (Command sub in cmd.Subcommands)
        {
            if (sub.Name == name || sub.Aliases.Contains(name)) return sub;
        }
        return null;
    }

    private static Option? Find(List<Command> path, string name)
    {
        for (int level = path.Count - 1; level >= 0; level--)
        {
            foreach (Option opt in path[level].Options)
            {
                if (level != path.Count - 1 && !opt.Recursive) continue;
                if (opt.Name == name || opt.Aliases.Contains(name)) return opt;
            }
        }
        return null;
    }

    private static Option? FindShort(List<Command> path, char c) => Find(path, "-" + c);

    private static UsageException Usage(string message, List<Command> path, string programName)
        => new(message, PathText(path, programName));
}
