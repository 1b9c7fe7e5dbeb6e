using System.Text.Json.Nodes;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Output;

/// <summary>What every <c>inspect</c> verb prints: podman's JSON array, or the <c>--format</c> template per item.</summary>
public static class InspectOutput
{
    public static void Write(TextWriter output, JsonArray items, string? format)
    {
        if (string.IsNullOrEmpty(format) || ReportFormatter.IsJson(format))
        {
            JsonOutput.WriteInspect(output, items);
        }
        else
        {
            ReportFormatter.ForList("inspect", format).Render(output, items);
        }
    }

    /// <summary>
    /// Prints what was found, then podman's way with the names that were not: every error but the
    /// last on stderr, the last as the command's error (exit 125).
    /// </summary>
    public static void Write(CommandContext context, JsonArray items, string? format, IReadOnlyList<string> errors)
    {
        Write(context.Out, items, format);
        if (errors.Count == 0)
        {
            return;
        }
        foreach (string e in errors.SkipLast(1))
        {
            context.Err.WriteLine("Error: " + e);
        }
        throw new ExitCodeException(125, errors[^1]);
    }
}
