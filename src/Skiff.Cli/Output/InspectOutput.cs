using System.Text.Json.Nodes;

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
}
