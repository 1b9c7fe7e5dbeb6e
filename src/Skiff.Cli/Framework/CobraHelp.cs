using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.CommandLine.Parsing;
using System.Text;

namespace Skiff.Cli.Framework;

/// <summary>
/// Help in cobra's layout (what podman, buildah and skopeo print): short description, Usage,
/// Available Commands, then Options as <c>-f, --format string   text</c>.
/// </summary>
public static class CobraHelp
{
    public static void Write(TextWriter output, Command command, string path)
    {
        var sb = new StringBuilder();
        if (!string.IsNullOrEmpty(command.Description)) sb.Append(command.Description).Append("\n\n");
        if (command is VerbCommand { LongDescription: { } longDescription })
            sb.Append("Description:\n  ").Append(longDescription).Append("\n\n");

        sb.Append("Usage:\n  ").Append(path);
        if (command.Options.Any(o => !o.Hidden)) sb.Append(" [options]");
        if (command is VerbCommand { Usage: { } usage }) sb.Append(' ').Append(usage);
        else if (command.Subcommands.Count > 0) sb.Append(" [command]");
        else foreach (Argument argument in command.Arguments) sb.Append(' ').Append(ArgumentUsage(argument));
        sb.Append("\n\n");

        if (command is VerbCommand { Examples: { } examples })
            sb.Append("Examples:\n  ").Append(examples.Replace("\n", "\n  ", StringComparison.Ordinal)).Append("\n\n");

        List<Command> subcommands = command.Subcommands.Where(c => !c.Hidden).OrderBy(c => c.Name, StringComparer.Ordinal).ToList();
        if (subcommands.Count > 0)
        {
            int pad = Math.Max(11, subcommands.Max(c => c.Name.Length));
            sb.Append("Available Commands:\n");
            foreach (Command sub in subcommands)
                sb.Append("  ").Append(sub.Name.PadRight(pad)).Append(' ').Append(sub.Description).Append('\n');
            sb.Append('\n');
        }

        List<(string Flags, string Text)> options = command.Options
            .Where(o => !o.Hidden && o is not HelpOption)
            .OrderBy(o => o.Name, StringComparer.Ordinal)
            .Select(o => (FlagsColumn(o), OptionText(o)))
            .ToList();
        if (options.Count > 0)
        {
            int width = options.Max(o => o.Flags.Length);
            sb.Append("Options:\n");
            foreach ((string flags, string text) in options)
                sb.Append(flags.PadRight(width)).Append("   ").Append(text).Append('\n');
            sb.Append('\n');
        }
        output.Write(sb.ToString());
    }

    /// <summary>Replaces System.CommandLine's help with this layout throughout a tree.</summary>
    public static void Install(RootCommand root, CommandContext context)
    {
        foreach (Option option in root.Options)
        {
            if (option is HelpOption help)
            {
                help.Action = new Action(context);
                // Windows-style spellings would capture positionals such as a path "/h".
                help.Aliases.Remove("/h");
                help.Aliases.Remove("/?");
                help.Aliases.Remove("-?");
            }
        }
    }

    public static string PathOf(ParseResult parseResult, string programName)
    {
        var names = new List<string>();
        for (SymbolResult? r = parseResult.CommandResult; r is CommandResult c && c.Parent is not null; r = c.Parent)
            names.Add(c.Command.Name);
        names.Reverse();
        return names.Count == 0 ? programName : programName + " " + string.Join(' ', names);
    }

    private static string ArgumentUsage(Argument argument)
    {
        string name = argument.Name;
        string one = argument.Arity.MaximumNumberOfValues > 1 ? $"{name} [{name}...]" : name;
        return argument.Arity.MinimumNumberOfValues == 0 ? $"[{one}]" : one;
    }

    private static string FlagsColumn(Option option)
    {
        string? shorthand = option.Aliases.FirstOrDefault(a => a.Length == 2 && a[0] == '-');
        var sb = new StringBuilder(shorthand is null ? "      " : $"  {shorthand}, ");
        sb.Append(option.Name);
        string type = TypeName(option);
        if (type.Length > 0) sb.Append(' ').Append(type);
        return sb.ToString();
    }

    private static string TypeName(Option option)
    {
        if (option.Arity.MaximumNumberOfValues == 0 || option.ValueType == typeof(bool)) return "";
        if (!string.IsNullOrEmpty(option.HelpName)) return option.HelpName;
        Type t = option.ValueType;
        if (t == typeof(string[])) return "stringArray";
        if (t == typeof(int) || t == typeof(int?)) return "int";
        if (t == typeof(long) || t == typeof(long?)) return "int";
        if (t == typeof(uint) || t == typeof(uint?)) return "uint";
        return "string";
    }

    private static string OptionText(Option option)
    {
        string text = option.Description ?? "";
        if (option.HasDefaultValue && option.ValueType != typeof(bool) && option.ValueType != typeof(string[]))
        {
            object? value = option.GetDefaultValue();
            if (value is string { Length: > 0 } s) text += $" (default \"{s}\")";
            else if (value is int or long or uint) text += $" (default {value})";
        }
        return text;
    }

    private sealed class Action(CommandContext context) : SynchronousCommandLineAction
    {
        public override bool ClearsParseErrors => true;

        public override int Invoke(ParseResult parseResult)
        {
            Write(context.Out, parseResult.CommandResult.Command, PathOf(parseResult, context.ProgramName));
            return 0;
        }
    }
}
