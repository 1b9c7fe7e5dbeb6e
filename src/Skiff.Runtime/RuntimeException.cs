using Skiff.Image;

namespace Skiff.Runtime;

/// <summary>Base of container runtime failures (exit 125 in the podman face).</summary>
public class RuntimeException : SkiffException
{
    public RuntimeException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The runtime could not start the command: 126 (not executable) or 127 (not found), as podman exits.</summary>
public sealed class CommandInvocationException : RuntimeException
{
    public CommandInvocationException(string message, int exitCode) : base(message) => ExitCode = exitCode;

    public int ExitCode { get; }
}

/// <summary>No container with that name or id.</summary>
public sealed class NoSuchContainerException : RuntimeException
{
    public NoSuchContainerException(string nameOrId)
        : base($"no container with name or ID \"{nameOrId}\" found: no such container") { }
}

/// <summary>The container is in the wrong state for the operation.</summary>
public sealed class ContainerStateException : RuntimeException
{
    public ContainerStateException(string message) : base(message) { }
}
