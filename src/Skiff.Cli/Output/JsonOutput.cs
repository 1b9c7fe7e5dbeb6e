using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Output;

/// <summary>JSON as podman prints it: <c>inspect</c> and <c>--format json</c> lists indent by four spaces.</summary>
public static class JsonOutput
{
    private static readonly JsonSerializerOptions Indented = new()
    {
        WriteIndented = true,
        IndentSize = 4,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    // podman's inspect uses MarshalIndent with five spaces.
    private static readonly JsonSerializerOptions InspectIndented = new()
    {
        WriteIndented = true,
        IndentSize = 5,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    private static readonly JsonSerializerOptions Compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>Writes <paramref name="node"/> and a newline; null prints <c>null</c>.</summary>
    public static void Write(TextWriter output, JsonNode? node, bool indented = true)
    {
        output.Write(node is null ? "null" : node.ToJsonString(indented ? Indented : Compact));
        output.Write('\n');
    }

    /// <summary>Writes as <c>podman inspect</c> does (five-space indentation).</summary>
    public static void WriteInspect(TextWriter output, JsonNode? node)
    {
        output.Write(node is null ? "null" : node.ToJsonString(InspectIndented));
        output.Write('\n');
    }
}
