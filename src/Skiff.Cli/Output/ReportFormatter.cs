using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Skiff.Cli.Output.Templates;

namespace Skiff.Cli.Output;

/// <summary>
/// Renders reports through a <c>--format</c> template the way podman's report package does:
/// <c>\t</c> and <c>\n</c> escapes are honoured, a trailing newline is added, a <c>table</c> prefix
/// turns spaces into column breaks, prints a header row and aligns with <see cref="TableWriter"/>,
/// and a user template over a list runs once per item.
/// </summary>
public sealed partial class ReportFormatter
{
    private readonly GoTemplate _template;
    private readonly GoTemplate? _headerTemplate;

    private ReportFormatter(GoTemplate template, GoTemplate? headerTemplate, bool isTable, string? typeName)
    {
        _template = template;
        _headerTemplate = headerTemplate;
        IsTable = isTable;
        TypeName = typeName;
    }

    public bool IsTable { get; }

    /// <summary>Go type named in field errors, e.g. "images.imageReporter"; null: a map type.</summary>
    public string? TypeName { get; }

    /// <summary>
    /// True for the formats podman treats as "print JSON": <c>json</c> and <c>{{json .}}</c>, any case,
    /// surrounding spaces allowed.
    /// </summary>
    public static bool IsJson(string? format) => format is not null && JsonFormatRegex().IsMatch(format);

    [GeneratedRegex(@"^\s*(json|\{\{\s*json\s*(\s\.)?\s*\}\})\s*$", RegexOptions.IgnoreCase)]
    private static partial Regex JsonFormatRegex();

    /// <summary>
    /// Parses a format for a list of reports. <paramref name="name"/> is the command name, used in
    /// Go-shaped error messages (<c>template: images:1:13: ...</c>).
    /// </summary>
    public static ReportFormatter ForList(string name, string format, string? typeName = null)
    {
        string normalized = Normalize(format, out bool isTable);
        // Podman wraps the format in a range over the list unless the user wrote that range.
        string text = !isTable && RangeRegex().IsMatch(normalized) ? normalized : "{{range .}}" + normalized + "{{end -}}";
        GoTemplate template = GoTemplate.Parse(name, text);
        return new ReportFormatter(template, isTable ? template : null, isTable, typeName);
    }

    /// <summary>Parses a format for a single report (<c>version</c>, <c>inspect</c> items).</summary>
    public static ReportFormatter ForItem(string name, string format, string? typeName = null)
    {
        string normalized = Normalize(format, out bool isTable);
        GoTemplate template = GoTemplate.Parse(name, normalized);
        return new ReportFormatter(template, isTable ? template : null, isTable, typeName);
    }

    /// <summary>Podman's NormalizeFormat: escapes, the table prefix, and a final newline.</summary>
    public static string Normalize(string format, out bool isTable)
    {
        isTable = format.StartsWith("table ", StringComparison.Ordinal);
        string f = isTable
            ? format["table ".Length..].Replace(@"\t", "\t", StringComparison.Ordinal).Replace(@"\n", "\n", StringComparison.Ordinal).Replace(' ', '\t')
            : format.Replace(@"\t", "\t", StringComparison.Ordinal).Replace(@"\n", "\n", StringComparison.Ordinal);
        if (!f.EndsWith('\n')) f += "\n";
        return f;
    }

    /// <summary>
    /// Column headers for fields, as podman derives them: the field name split at case changes and
    /// upper-cased ("CreatedAt" is "CREATED AT"), unless <paramref name="overrides"/> names it.
    /// </summary>
    public static JsonObject Headers(IEnumerable<string> fields, IReadOnlyDictionary<string, string>? overrides = null)
    {
        var headers = new JsonObject();
        foreach (string field in fields)
        {
            string header = overrides is not null && overrides.TryGetValue(field, out string? o) ? o : string.Join(' ', SplitCamelCase(field));
            headers[field] = header.ToUpperInvariant();
        }
        if (overrides is not null)
        {
            foreach ((string field, string header) in overrides)
            {
                headers[field] = header.ToUpperInvariant();
            }
        }
        return headers;
    }

    /// <summary>
    /// Writes <paramref name="items"/>. For a table, the header row comes from executing the template
    /// over <paramref name="headers"/> (a field-to-title map) unless <paramref name="noHeading"/>.
    /// </summary>
    public void Render(TextWriter output, JsonArray items, JsonObject? headers = null, bool noHeading = false)
    {
        var options = new TemplateOptions { TypeName = TypeName };
        if (!IsTable)
        {
            output.Write(_template.Execute(items, options));
            return;
        }
        var table = new TableWriter();
        if (!noHeading && _headerTemplate is not null)
            table.Write(_headerTemplate.Execute(new JsonArray(headers?.DeepClone() ?? new JsonObject()), new TemplateOptions { StrictFields = false }));
        table.Write(_template.Execute(items, options));
        table.Flush(output);
    }

    /// <summary>Writes one report (no implicit range); a table format still aligns columns.</summary>
    public void RenderItem(TextWriter output, JsonNode? item, JsonObject? headers = null, bool noHeading = false)
    {
        var options = new TemplateOptions { TypeName = TypeName };
        string body = _template.Execute(item, options);
        if (!IsTable)
        {
            output.Write(body);
            return;
        }
        var table = new TableWriter();
        if (!noHeading && headers is not null) table.Write(_template.Execute(headers, new TemplateOptions { StrictFields = false }));
        table.Write(body);
        table.Flush(output);
    }

    /// <summary>fatih/camelcase Split: "CreatedAt" → [Created, At], "APIVersion" → [API, Version].</summary>
    public static List<string> SplitCamelCase(string s)
    {
        var runs = new List<StringBuilder>();
        int lastClass = -1;
        foreach (char c in s)
        {
            int cls = char.IsLower(c) ? 1 : char.IsUpper(c) ? 2 : char.IsDigit(c) ? 3 : 4;
            if (cls == lastClass) runs[^1].Append(c);
            else runs.Add(new StringBuilder().Append(c));
            lastClass = cls;
        }
        // An upper-case run followed by a lower-case run gives its last letter to the lower run.
        for (int i = 0; i < runs.Count - 1; i++)
        {
            if (runs[i].Length > 0 && char.IsUpper(runs[i][0]) && char.IsLower(runs[i + 1][0]))
            {
                char moved = runs[i][^1];
                runs[i].Length--;
                runs[i + 1].Insert(0, moved);
            }
        }
        return runs.Where(r => r.Length > 0).Select(r => r.ToString()).ToList();
    }

    [GeneratedRegex(@"(?s)\{\{\s*-?\s*range\s+\.\s*-?\s*\}\}.*\{\{\s*-?\s*end\s*-?\s*\}\}")]
    private static partial Regex RangeRegex();
}
