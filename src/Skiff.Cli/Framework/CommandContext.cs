using System.CommandLine;

namespace Skiff.Cli.Framework;

/// <summary>The three command sets one binary offers.</summary>
public enum FaceKind
{
    Podman,
    Buildah,
    Skopeo,
}

/// <summary>Values of the global options, resolved for one invocation; null where the face lacks the option.</summary>
public sealed record GlobalSettings
{
    public string? Root { get; init; }
    public string? RunRoot { get; init; }
    public string? StorageDriver { get; init; }
    public IReadOnlyList<string> StorageOptions { get; init; } = [];
    public string LogLevel { get; init; } = "warn";

    /// <summary>podman --runtime: name or path of the OCI runtime.</summary>
    public string? Runtime { get; init; }
    public string? CgroupManager { get; init; }
    public string? TmpDir { get; init; }

    /// <summary>buildah --registries-conf.</summary>
    public string? RegistriesConf { get; init; }

    /// <summary>skopeo --debug.</summary>
    public bool Debug { get; init; }
    public string? PolicyPath { get; init; }
    public bool InsecurePolicy { get; init; }
    public string? RegistriesDir { get; init; }
    public string? OverrideArch { get; init; }
    public string? OverrideOs { get; init; }
    public string? OverrideVariant { get; init; }
}

/// <summary>
/// The global options of a face (cobra's persistent flags). They are recursive, so
/// <c>podman images --root /x</c> works as <c>podman --root /x images</c> does.
/// </summary>
public sealed class GlobalOptions
{
    public static readonly string[] LogLevels = ["trace", "debug", "info", "warn", "warning", "error", "fatal", "panic"];

    private readonly FaceKind _face;

    public GlobalOptions(FaceKind face, GlobalSettings? inherited = null)
    {
        _face = face;
        _inherited = inherited ?? new GlobalSettings();
    }

    // `skiff --root /x buildah images`: the options given before the sub-face word are the
    // defaults of the sub-face, which may not even have them (skopeo has no --root).
    private readonly GlobalSettings _inherited;

    public Option<string?> Root { get; } = new("--root") { Description = "Path to the root directory in which data, including images, is stored", Recursive = true };
    public Option<string?> RunRoot { get; } = new("--runroot") { Description = "Path to the 'run directory' where all state information is stored", Recursive = true };
    public Option<string?> StorageDriver { get; } = new("--storage-driver") { Description = "Select which storage driver is used to manage storage of images and containers", Recursive = true };
    public Option<string[]> StorageOpt { get; } = new("--storage-opt") { Description = "Used to pass an option to the storage driver", Recursive = true };
    public Option<string> LogLevel { get; } = new("--log-level") { Description = "Log messages above specified level (trace, debug, info, warn, warning, error, fatal, panic)", Recursive = true, DefaultValueFactory = _ => "warn" };
    public Option<string?> Runtime { get; } = new("--runtime") { Description = "Path to the OCI-compatible binary used to run containers.", Recursive = true };
    public Option<string?> CgroupManager { get; } = new("--cgroup-manager") { Description = "Cgroup manager to use (\"cgroupfs\"|\"systemd\")", Recursive = true };
    public Option<string?> TmpDir { get; } = new("--tmpdir") { Description = "Path to the tmp directory", Recursive = true };
    public Option<string?> RegistriesConf { get; } = new("--registries-conf") { Description = "path to registries.conf file (not usually used)", Recursive = true };
    public Option<bool> Debug { get; } = new("--debug") { Description = "enable debug output", Recursive = true };
    public Option<string?> Policy { get; } = new("--policy") { Description = "Path to a trust policy file", Recursive = true };
    public Option<bool> InsecurePolicy { get; } = new("--insecure-policy") { Description = "run the tool without any policy check", Recursive = true };
    public Option<string?> RegistriesDir { get; } = new("--registries.d") { Description = "use registry configuration files in DIR (e.g. for container signature storage)", Recursive = true };
    public Option<string?> OverrideArch { get; } = new("--override-arch") { Description = "use ARCH instead of the architecture of the machine for choosing images", Recursive = true };
    public Option<string?> OverrideOs { get; } = new("--override-os") { Description = "use OS instead of the running OS for choosing images", Recursive = true };
    public Option<string?> OverrideVariant { get; } = new("--override-variant") { Description = "use VARIANT instead of the running architecture variant for choosing images", Recursive = true };
    public Option<bool> Version { get; } = new("--version", "-v") { Description = "Version of the program" };

    /// <summary>The options this face puts on its root (without --version).</summary>
    public IEnumerable<Option> All => _face switch
    {
        FaceKind.Buildah => [Root, RunRoot, StorageDriver, StorageOpt, LogLevel, RegistriesConf],
        FaceKind.Skopeo => [Debug, Policy, InsecurePolicy, RegistriesDir, OverrideArch, OverrideOs, OverrideVariant, TmpDir],
        _ => [Root, RunRoot, StorageDriver, StorageOpt, LogLevel, Runtime, CgroupManager, TmpDir],
    };

    public GlobalSettings Resolve(ParseResult parseResult)
    {
        if (_face == FaceKind.Skopeo)
        {
            bool debug = parseResult.GetValue(Debug);
            return _inherited with
            {
                Debug = debug,
                LogLevel = debug ? "debug" : "warn",
                TmpDir = parseResult.GetValue(TmpDir),
                PolicyPath = parseResult.GetValue(Policy),
                InsecurePolicy = parseResult.GetValue(InsecurePolicy),
                RegistriesDir = parseResult.GetValue(RegistriesDir),
                OverrideArch = parseResult.GetValue(OverrideArch),
                OverrideOs = parseResult.GetValue(OverrideOs),
                OverrideVariant = parseResult.GetValue(OverrideVariant),
            };
        }
        string level = parseResult.GetResult(LogLevel) is null ? _inherited.LogLevel : parseResult.GetValue(LogLevel) ?? "warn";
        if (Array.IndexOf(LogLevels, level) < 0)
            throw new InvalidLogLevelException($"Log Level \"{level}\" is not supported, choose from: {string.Join(", ", LogLevels)}");
        bool podman = _face == FaceKind.Podman;
        string[] storageOptions = parseResult.GetValue(StorageOpt) ?? [];
        return _inherited with
        {
            Root = parseResult.GetValue(Root) ?? _inherited.Root,
            RunRoot = parseResult.GetValue(RunRoot) ?? _inherited.RunRoot,
            StorageDriver = parseResult.GetValue(StorageDriver) ?? _inherited.StorageDriver,
            StorageOptions = storageOptions.Length > 0 ? storageOptions : _inherited.StorageOptions,
            LogLevel = level,
            Runtime = podman ? parseResult.GetValue(Runtime) : _inherited.Runtime,
            CgroupManager = podman ? parseResult.GetValue(CgroupManager) : _inherited.CgroupManager,
            TmpDir = podman ? parseResult.GetValue(TmpDir) : _inherited.TmpDir,
            RegistriesConf = podman ? null : parseResult.GetValue(RegistriesConf),
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
    public CommandContext(FaceKind face, string programName, TextWriter output, TextWriter error, TextReader? input = null, GlobalSettings? inherited = null)
    {
        Face = face;
        ProgramName = programName;
        Out = output;
        Err = error;
        In = input ?? TextReader.Null;
        Globals = new GlobalOptions(face, inherited);
    }

    public FaceKind Face { get; }

    /// <summary>The name the user typed: "podman", "skiff", "skiff buildah"; used in messages.</summary>
    public string ProgramName { get; }

    public TextWriter Out { get; }
    public TextWriter Err { get; }
    public TextReader In { get; }

    /// <summary>The clock for ages ("2 hours ago"); tests substitute a fixed one.</summary>
    public TimeProvider Time { get; init; } = TimeProvider.System;

    public GlobalOptions Globals { get; }

    /// <summary>The global settings of this invocation, checked (e.g. the log level).</summary>
    public GlobalSettings Settings(ParseResult parseResult) => Globals.Resolve(parseResult);
}
