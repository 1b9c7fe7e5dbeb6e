using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Output;

/// <summary>
/// JSON as podman prints it: four-space indentation; <c>inspect</c> leaves characters as they are,
/// while list verbs' <c>--format json</c> goes through Go's json.MarshalIndent, which writes
/// &lt; &gt; &amp; as \u003c \u003e \u0026.
/// </summary>
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
    public static void Write(TextWriter output, JsonNode? node, bool indented = true, bool escapeHtml = false)
    {
        string json = node is null ? "null" : node.ToJsonString(indented ? Indented : Compact);
        output.Write(escapeHtml ? EscapeHtml(json) : json);
        output.Write('\n');
    }

    /// <summary>Writes as <c>podman inspect</c> does (five-space indentation).</summary>
    public static void WriteInspect(TextWriter output, JsonNode? node)
    {
        output.Write(node is null ? "null" : node.ToJsonString(InspectIndented));
        output.Write('\n');
    }

    /// <summary>Go's HTML-safe escaping; these characters only occur inside JSON strings, so replacing them is safe.</summary>
    public static string EscapeHtml(string json)
    {
        if (json.AsSpan().IndexOfAny("<>&\u2028\u2029") < 0) return json;
        return json.Replace("<", "\\u003c", StringComparison.Ordinal)
            .Replace(">", "\\u003e", StringComparison.Ordinal)
            .Replace("&", "\\u0026", StringComparison.Ordinal)
            .Replace("\u2028", "\\u2028", StringComparison.Ordinal)
            .Replace("\u2029", "\\u2029", StringComparison.Ordinal);
    }
}
