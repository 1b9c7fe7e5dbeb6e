namespace Skiff.Cli;

/// <summary>Version strings printed by <c>version</c> and <c>--version</c>.</summary>
public static class SkiffVersion
{
    // Kept in step with <Version> in Skiff.Cli.csproj; a constant keeps `version` free of reflection.
    public const string Value = "0.1.0";
    public const string ApiVersion = "0.1.0";
    public const string ImageSpec = "1.1.0";
    public const string RuntimeSpec = "1.0.2";
}
