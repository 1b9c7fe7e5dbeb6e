using System.Text.Json.Nodes;

namespace Skiff.Cli.Output;

/// <summary>What a list verb (<c>images</c>, <c>ps</c>, <c>volume ls</c>) renders and how.</summary>
public sealed record ListOutputOptions
{
    /// <summary>Command name for template errors ("images").</summary>
    public required string Name { get; init; }

    /// <summary>The verb's own table, e.g. <c>table {{.Repository}}\t{{.Tag}}\t{{.ID}}</c>.</summary>
    public required string DefaultFormat { get; init; }

    /// <summary>Field → column title map for the header row; see <see cref="ReportFormatter.Headers"/>.</summary>
    public required JsonObject Headers { get; init; }

    /// <summary>The user's <c>--format</c>; null or empty means <see cref="DefaultFormat"/>.</summary>
    public string? Format { get; init; }

    public bool NoHeading { get; init; }

    /// <summary>Go type named in field errors ("images.imageReporter").</summary>
    public string? TypeName { get; init; }
}

/// <summary>
/// The usual flow of a list verb: <c>--format json</c> prints the JSON form, any other format
/// (or the verb's default table) runs as a template over the template rows.
/// </summary>
public static class ListOutput
{
    /// <param name="rows">One object per row, with the fields templates use (computed ones included).</param>
    /// <param name="json">What <c>--format json</c> prints; null prints <paramref name="rows"/>.</param>
    public static void Write(TextWriter output, ListOutputOptions options, JsonArray rows, JsonNode? json = null)
    {
        if (ReportFormatter.IsJson(options.Format))
        {
            JsonOutput.Write(output, json ?? rows, escapeHtml: true);
            return;
        }
        string format = string.IsNullOrEmpty(options.Format) ? options.DefaultFormat : options.Format;
        ReportFormatter.ForList(options.Name, format, options.TypeName).Render(output, rows, options.Headers, options.NoHeading);
    }
}
