using System.CommandLine;

namespace Skiff.Cli.Framework;

/// <summary>The three command sets one binary offers.</summary>
public enum FaceKind
{
    Podman,
    Buildah,
    Skopeo,
}

/// <summary>Values of the global options, resolved for one invocation.</summary>
public sealed record GlobalSettings
{
    public string? Root { get; init; }
    public string? RunRoot { get; init; }
    public string? StorageDriver { get; init; }
    public IReadOnlyList<string> StorageOptions { get; init; } = [];
    public string LogLevel { get; init; } = "warn";
}

/// <summary>
/// The global options of a face (podman's persistent flags). They are recursive, so
/// <c>podman images --root /x</c> works as <c>podman --root /x images</c> does.
/// </summary>
public sealed class GlobalOptions
{
    public static readonly string[] LogLevels = ["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"];

    public Option<string?> Root { get; } = new("--root") { Description = "Path to the root directory in which data, including images, is stored", Recursive = true };
    public Option<string?> RunRoot { get; } = new("--runroot") { Description = "Path to the 'run directory' where all state information is stored", Recursive = true };
    public Option<string?> StorageDriver { get; } = new("--storage-driver") { Description = "Select which storage driver is used to manage storage of images and containers", Recursive = true };
    public Option<string[]> StorageOpt { get; } = new("--storage-opt") { Description = "Used to pass an option to the storage driver", Recursive = true };
    public Option<string> LogLevel { get; } = new("--log-level") { Description = "Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)", Recursive = true, DefaultValueFactory = _ => "warn" };
    public Option<bool> Version { get; } = new("--version", "-v") { Description = "Version of the program" };

    public IEnumerable<Option> All => [Root, RunRoot, StorageDriver, StorageOpt, LogLevel];

    public GlobalSettings Resolve(ParseResult parseResult)
    {
        string level = parseResult.GetValue(LogLevel) ?? "warn";
        if (Array.IndexOf(LogLevels, level) < 0)
            throw new UsageException($"Log Level \"{level}\" is not supported, choose from: {string.Join(", ", LogLevels)}");
        return new GlobalSettings
        {
            Root = parseResult.GetValue(Root),
            RunRoot = parseResult.GetValue(RunRoot),
            StorageDriver = parseResult.GetValue(StorageDriver),
            StorageOptions = parseResult.GetValue(StorageOpt) ?? [],
            LogLevel = level,
        };
    }
}

/// <summary>
/// What a verb needs besides its own options: where to write, which face it runs under, and the
/// global settings. Verb factories receive it when the face builds its command tree; handlers use it
/// when they run. One per invocation; never static.
/// </summary>
public sealed class CommandContext
{
    public CommandContext(FaceKind face, string programName, TextWriter output, TextWriter error, TextReader? input = null)
    {
        Face = face;
        ProgramName = programName;
        Out = output;
        Err = error;
        In = input ?? TextReader.Null;
    }

    public FaceKind Face { get; }

    /// <summary>The name the user typed: "podman", "skiff", "skiff buildah"; used in messages.</summary>
    public string ProgramName { get; }

    public TextWriter Out { get; }
    public TextWriter Err { get; }
    public TextReader In { get; }

    public GlobalOptions Globals { get; } = new();

    /// <summary>The global settings of this invocation, checked (e.g. the log level).</summary>
    public GlobalSettings Settings(ParseResult parseResult) => Globals.Resolve(parseResult);
}
