using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Output.Templates;

/// <summary>How a template resolves fields.</summary>
public sealed record TemplateOptions
{
    /// <summary>
    /// True: a missing field of an object is an error, as for a Go struct. False: it prints
    /// <c>&lt;no value&gt;</c>, as for a Go map (used for header rows).
    /// </summary>
    public bool StrictFields { get; init; } = true;

    /// <summary>The Go type named in "can't evaluate field X in type T" errors.</summary>
    public string? TypeName { get; init; }
}

/// <summary>
/// A Go text/template (the subset podman's <c>--format</c> uses) executed over
/// <see cref="JsonNode"/> trees: reports are serialised with source-generated JSON, and fields are
/// looked up case-sensitively by their JSON names, as Go looks up struct fields.
/// </summary>
public sealed class GoTemplate
{
    private readonly ListNode _tree;

    private GoTemplate(string name, string text, ListNode tree)
    {
        Name = name;
        Text = text;
        _tree = tree;
    }

    public string Name { get; }

    public string Text { get; }

    /// <exception cref="TemplateException">The text does not parse; Go's message.</exception>
    public static GoTemplate Parse(string name, string text)
        => new(name, text, new TemplateParser(name, text).Parse());

    public string Execute(JsonNode? data, TemplateOptions? options = null)
    {
        var sb = new StringBuilder();
        new TemplateExecutor(Name, Text, options ?? new TemplateOptions(), GoValues.FromNode(data), sb).Run(_tree);
        return sb.ToString();
    }

    public void Execute(TextWriter output, JsonNode? data, TemplateOptions? options = null) => output.Write(Execute(data, options));
}
