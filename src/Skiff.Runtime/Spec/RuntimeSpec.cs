using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Runtime.Spec;

/// <summary>The OCI runtime bundle configuration (config.json), the parts Skiff writes.</summary>
public sealed record RuntimeSpec
{
    [JsonPropertyName("ociVersion")] public string OciVersion { get; init; } = "1.0.2-dev";
    [JsonPropertyName("process")] public SpecProcess? Process { get; set; }
    [JsonPropertyName("root")] public SpecRoot? Root { get; set; }
    [JsonPropertyName("hostname")] public string? Hostname { get; set; }
    [JsonPropertyName("mounts")] public List<SpecMount> Mounts { get; set; } = [];
    [JsonPropertyName("annotations")] public Dictionary<string, string>? Annotations { get; set; }
    [JsonPropertyName("linux")] public SpecLinux? Linux { get; set; }
}

public sealed record SpecProcess
{
    [JsonPropertyName("terminal")] public bool Terminal { get; set; }
    [JsonPropertyName("user")] public SpecUser User { get; set; } = new();
    [JsonPropertyName("args")] public List<string> Args { get; set; } = [];
    [JsonPropertyName("env")] public List<string> Env { get; set; } = [];
    [JsonPropertyName("cwd")] public string Cwd { get; set; } = "/";
    [JsonPropertyName("capabilities")] public SpecCapabilities? Capabilities { get; set; }
    [JsonPropertyName("rlimits")] public List<SpecRlimit>? Rlimits { get; set; }
    [JsonPropertyName("noNewPrivileges")] public bool NoNewPrivileges { get; set; }
    [JsonPropertyName("oomScoreAdj")] public int? OomScoreAdj { get; set; }
}

public sealed record SpecUser
{
    [JsonPropertyName("uid")] public uint Uid { get; set; }
    [JsonPropertyName("gid")] public uint Gid { get; set; }
    [JsonPropertyName("umask")] public uint? Umask { get; set; }
    [JsonPropertyName("additionalGids")] public List<uint>? AdditionalGids { get; set; }
}

public sealed record SpecCapabilities
{
    [JsonPropertyName("bounding")] public List<string> Bounding { get; set; } = [];
    [JsonPropertyName("effective")] public List<string> Effective { get; set; } = [];
    [JsonPropertyName("inheritable")] public List<string> Inheritable { get; set; } = [];
    [JsonPropertyName("permitted")] public List<string> Permitted { get; set; } = [];
    [JsonPropertyName("ambient")] public List<string> Ambient { get; set; } = [];
}

public sealed record SpecRlimit(
    [property: JsonPropertyName("type")] string Type,
    [property: JsonPropertyName("hard")] ulong Hard,
    [property: JsonPropertyName("soft")] ulong Soft);

public sealed record SpecRoot
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("readonly")] public bool Readonly { get; init; }
}

public sealed record SpecMount
{
    [JsonPropertyName("destination")] public required string Destination { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("source")] public string? Source { get; init; }
    [JsonPropertyName("options")] public List<string>? Options { get; init; }
}

public sealed record SpecLinux
{
    [JsonPropertyName("sysctl")] public Dictionary<string, string>? Sysctl { get; set; }
    [JsonPropertyName("resources")] public SpecResources? Resources { get; set; }
    [JsonPropertyName("cgroupsPath")] public string? CgroupsPath { get; set; }
    [JsonPropertyName("namespaces")] public List<SpecNamespace> Namespaces { get; set; } = [];
    [JsonPropertyName("devices")] public List<SpecDevice>? Devices { get; set; }
    [JsonPropertyName("seccomp")] public JsonElement? Seccomp { get; set; }
    [JsonPropertyName("maskedPaths")] public List<string>? MaskedPaths { get; set; }
    [JsonPropertyName("readonlyPaths")] public List<string>? ReadonlyPaths { get; set; }
}

public sealed record SpecNamespace
{
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("path")] public string? Path { get; init; }
}

public sealed record SpecDevice
{
    [JsonPropertyName("path")] public required string Path { get; init; }
    [JsonPropertyName("type")] public required string Type { get; init; }
    [JsonPropertyName("major")] public long Major { get; init; }
    [JsonPropertyName("minor")] public long Minor { get; init; }
    [JsonPropertyName("fileMode")] public uint? FileMode { get; init; }
    [JsonPropertyName("uid")] public uint? Uid { get; init; }
    [JsonPropertyName("gid")] public uint? Gid { get; init; }
}

public sealed record SpecResources
{
    [JsonPropertyName("devices")] public List<SpecDeviceCgroup>? Devices { get; set; }
    [JsonPropertyName("memory")] public SpecMemory? Memory { get; set; }
    [JsonPropertyName("cpu")] public SpecCpu? Cpu { get; set; }
    [JsonPropertyName("pids")] public SpecPids? Pids { get; set; }
}

public sealed record SpecDeviceCgroup
{
    [JsonPropertyName("allow")] public bool Allow { get; init; }
    [JsonPropertyName("type")] public string? Type { get; init; }
    [JsonPropertyName("major")] public long? Major { get; init; }
    [JsonPropertyName("minor")] public long? Minor { get; init; }
    [JsonPropertyName("access")] public string? Access { get; init; }
}

public sealed record SpecMemory
{
    [JsonPropertyName("limit")] public long? Limit { get; init; }
    [JsonPropertyName("swap")] public long? Swap { get; init; }
}

public sealed record SpecCpu
{
    [JsonPropertyName("quota")] public long? Quota { get; init; }
    [JsonPropertyName("period")] public ulong? Period { get; init; }
    [JsonPropertyName("shares")] public ulong? Shares { get; init; }
}

public sealed record SpecPids
{
    [JsonPropertyName("limit")] public long Limit { get; init; }
}

/// <summary>What `runc state` prints.</summary>
public sealed record RuntimeState
{
    [JsonPropertyName("id")] public string Id { get; init; } = "";
    [JsonPropertyName("pid")] public int Pid { get; init; }
    [JsonPropertyName("status")] public string Status { get; init; } = "";
    [JsonPropertyName("bundle")] public string? Bundle { get; init; }
}
