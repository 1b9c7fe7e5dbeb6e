using Skiff.Image;

namespace Skiff.Cli.Framework;

/// <summary>
/// Ends the command with a specific exit code. The container runtime uses it for 126/127 and for the
/// container's own exit status; <paramref name="message"/> null means exit quietly.
/// </summary>
public class ExitCodeException(int code, string? message) : Exception(message ?? $"exit code {code}")
{
    public int Code { get; } = code;

    /// <summary>False when the exception carries only a code and nothing should be printed.</summary>
    public bool HasMessage { get; } = message is not null;
}

/// <summary>
/// Bad command-line input: an unknown flag, a missing argument, a malformed value. Reported with the
/// face's usage hint (podman: <c>See 'podman images --help'</c>) and the engine exit code.
/// </summary>
public sealed class UsageException(string message, string? commandPath = null) : SkiffException(message)
{
    /// <summary>Command path for the hint line, e.g. "podman images"; null for the root.</summary>
    public string? CommandPath { get; } = commandPath;
}

/// <summary>A word where a subcommand was expected (<c>podman foo</c>).</summary>
public sealed class UnknownCommandException(string command, string parentPath)
    : SkiffException($"unrecognized command `{parentPath} {command}`")
{
    public string Command { get; } = command;

    /// <summary>Path of the command that has no such subcommand, e.g. "podman image".</summary>
    public string ParentPath { get; } = parentPath;
}

/// <summary>A command group (<c>podman image</c>) invoked without a subcommand.</summary>
public sealed class MissingCommandException(string parentPath)
    : SkiffException($"missing command '{parentPath} COMMAND'")
{
    public string ParentPath { get; } = parentPath;
}

/// <summary>Too many or too few positional arguments; printed without a usage hint, as cobra's validators are.</summary>
public sealed class ArgumentCountException(string message) : SkiffException(message);

/// <summary>An unknown <c>--log-level</c>: podman prints the bare message and exits 1, before any command runs.</summary>
public sealed class InvalidLogLevelException(string message) : SkiffException(message);
