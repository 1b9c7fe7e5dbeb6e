using Skiff.Image;

namespace Skiff.Cli.Output.Templates;

/// <summary>A --format template that does not parse or cannot be executed; the message is Go's.</summary>
public sealed class TemplateException(string message) : SkiffException(message);
