using Skiff.Runtime;

namespace Skiff.Engine.Containers;

/// <summary>podman create/run options, as the command line gives them (strings parsed by the engine).</summary>
public sealed record ContainerCreateOptions
{
    public required string Image { get; init; }
    public string? Name { get; init; }

    /// <summary>The command after the image; empty: the image's CMD.</summary>
    public IReadOnlyList<string> Command { get; init; } = [];

    /// <summary>--entrypoint: a plain string or a JSON array; "" clears the image's.</summary>
    public string? Entrypoint { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> EnvFiles { get; init; } = [];
    public bool EnvHost { get; init; }
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public string? Hostname { get; init; }
    public bool Terminal { get; init; }
    public bool Interactive { get; init; }
    public bool ReadOnly { get; init; }
    public bool ReadOnlyTmpfs { get; init; } = true;
    public IReadOnlyList<string> Tmpfs { get; init; } = [];
    public IReadOnlyList<string> Volumes { get; init; } = [];
    public IReadOnlyList<string> Mounts { get; init; } = [];
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public bool Privileged { get; init; }
    public IReadOnlyList<string> SecurityOpts { get; init; } = [];
    public IReadOnlyList<string> Ulimits { get; init; } = [];
    public IReadOnlyList<string> Devices { get; init; } = [];
    public string? Memory { get; init; }
    public double? Cpus { get; init; }
    public long? PidsLimit { get; init; }
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<string> Annotations { get; init; } = [];
    public IReadOnlyList<string> Publish { get; init; } = [];
    public bool PublishAll { get; init; }
    public string? Network { get; init; }

    /// <summary>"true" (auto), "false" or "always".</summary>
    public string Systemd { get; init; } = "true";
    public string? StopSignal { get; init; }
    public uint? StopTimeout { get; init; }
    public bool AutoRemove { get; init; }
    public bool Init { get; init; }
    public string? Restart { get; init; }

    /// <summary>"missing" (default), "always", "never", "newer".</summary>
    public string? Pull { get; init; }

    /// <summary>The command line that asked for it, recorded for inspect's Config.CreateCommand.</summary>
    public IReadOnlyList<string>? CreateCommand { get; init; }
}

public sealed record ContainerCreateReport(string Id, IReadOnlyList<string> Warnings);

/// <summary>One row of <c>ps</c>.</summary>
public sealed record ContainerSummary(ContainerInfo Info, string ImageName);

public sealed record ContainerListOptions
{
    public bool All { get; init; }
    public bool Latest { get; init; }
    public IReadOnlyList<string> Filters { get; init; } = [];
}

public sealed record ContainerRemoveOptions
{
    public IReadOnlyList<string> Names { get; init; } = [];
    public bool All { get; init; }
    public bool Force { get; init; }
    public bool Ignore { get; init; }
    public bool Volumes { get; init; }
    public uint? Timeout { get; init; }
}

/// <summary>Result for one container of a multi-container verb (stop, rm, kill...): what to print, or the error.</summary>
public sealed record ContainerOpReport(string NameOrId, string Id, Exception? Error);

public sealed record ExecOptions
{
    public required string Container { get; init; }
    public required IReadOnlyList<string> Command { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? User { get; init; }
    public string? WorkingDir { get; init; }
    public bool Terminal { get; init; }
    public bool Interactive { get; init; }
    public bool Detach { get; init; }
    public bool Privileged { get; init; }
}

public sealed record LogsOptions
{
    public bool Follow { get; init; }
    public int? Tail { get; init; }
    public bool Timestamps { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
}

/// <summary>One line of a container's log.</summary>
public sealed record LogLine(DateTimeOffset Time, bool Stderr, string Text, bool Partial)
{
    /// <summary>The timestamp as the log file has it (RFC 3339 with nanoseconds), which `logs -t` prints.</summary>
    public string TimeText { get; init; } = "";
}

public sealed record CommitOptions
{
    public required string Container { get; init; }
    public string? Reference { get; init; }
    public IReadOnlyList<string> Changes { get; init; } = [];
    public string? Message { get; init; }
    public string? Author { get; init; }
    public bool Pause { get; init; }
    public bool Squash { get; init; }
    public string? Format { get; init; }
}
