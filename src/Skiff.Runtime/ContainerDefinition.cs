using System.Text.Json.Serialization;

namespace Skiff.Runtime;

/// <summary>
/// Everything a container was created with, kept with its storage record (the store's metadata JSON), so `ps`
/// reads one index and `start` can regenerate the runtime spec at any time.
/// </summary>
public sealed record ContainerDefinition
{
    public required string Id { get; init; }
    public string Name { get; init; } = "";
    public string? ImageId { get; init; }

    /// <summary>The image as the user named it (podman's ImageName), e.g. "localhost/busybox:latest".</summary>
    public string? ImageName { get; init; }

    public DateTimeOffset Created { get; init; }

    /// <summary>The argv the container runs (entrypoint followed by command).</summary>
    public List<string> Args { get; init; } = [];
    public List<string>? Entrypoint { get; init; }
    public List<string>? Command { get; init; }
    public List<string> Env { get; init; } = [];
    public string WorkingDir { get; init; } = "/";

    /// <summary>user[:group] as given (name or number); resolved inside the rootfs at start.</summary>
    public string? User { get; init; }
    public string? Hostname { get; init; }
    public bool Terminal { get; init; }
    public bool Stdin { get; init; }
    public bool ReadOnly { get; init; }
    public bool ReadOnlyTmpfs { get; init; } = true;
    public bool Privileged { get; init; }
    public bool NoNewPrivileges { get; init; }
    public List<string> CapAdd { get; init; } = [];
    public List<string> CapDrop { get; init; } = [];

    /// <summary>"default" (containers-common's profile), "unconfined", or a profile file path.</summary>
    public string Seccomp { get; init; } = "default";
    public List<MountDefinition> Mounts { get; init; } = [];
    public List<UlimitDefinition> Ulimits { get; init; } = [];
    public List<DeviceDefinition> Devices { get; init; } = [];
    public long? MemoryLimit { get; init; }
    public long? CpuQuota { get; init; }
    public ulong? CpuPeriod { get; init; }
    public long? PidsLimit { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Annotations { get; init; } = [];
    public List<PortMapping> Ports { get; init; } = [];

    /// <summary>Exposed ports of the image ("80/tcp"), for -P and inspect.</summary>
    public List<string> ExposedPorts { get; init; } = [];
    public bool PublishAll { get; init; }

    /// <summary>"bridge", "host", "none" or a network name.</summary>
    public string NetworkMode { get; init; } = "bridge";

    /// <summary>Whether systemd mode is on (decided at create from --systemd and the command).</summary>
    public bool Systemd { get; init; }

    /// <summary>The --systemd value given: "true" (auto), "false", "always".</summary>
    public string SystemdMode { get; init; } = "true";
    public int StopSignal { get; init; } = 15;
    public uint StopTimeout { get; init; } = 10;
    public bool AutoRemove { get; init; }
    public bool Init { get; init; }
    public string RestartPolicy { get; init; } = "";
    public int RestartRetries { get; init; }

    /// <summary>The command line that created it (podman's Config.CreateCommand).</summary>
    public List<string>? CreateCommand { get; init; }

    /// <summary>Named volumes this container made or uses (removed with rm -v when anonymous).</summary>
    public List<string> AnonymousVolumes { get; init; } = [];
}

/// <summary>A mount: "bind" (host path), "volume" (named volume; Source is the name), or "tmpfs".</summary>
public sealed record MountDefinition
{
    public required string Type { get; init; }
    public string Source { get; init; } = "";
    public required string Destination { get; init; }
    public List<string> Options { get; init; } = [];
}

public sealed record UlimitDefinition(string Name, ulong Soft, ulong Hard);

public sealed record DeviceDefinition(string HostPath, string ContainerPath, string Permissions);

/// <summary>A published port: HostPort 0 means a random free port chosen at start.</summary>
public sealed record PortMapping
{
    [JsonPropertyName("host_ip")] public string HostIp { get; init; } = "";
    [JsonPropertyName("container_port")] public ushort ContainerPort { get; init; }
    [JsonPropertyName("host_port")] public ushort HostPort { get; init; }
    [JsonPropertyName("range")] public ushort Range { get; init; } = 1;
    [JsonPropertyName("protocol")] public string Protocol { get; init; } = "tcp";
}
