using System.Text.Json.Serialization;

namespace Skiff.Runtime.Network;

/// <summary>A network as netavark takes it (containers/common's types.Network JSON), also what `network inspect` prints.</summary>
public sealed record NetworkConfig
{
    [JsonPropertyName("name")] public required string Name { get; init; }
    [JsonPropertyName("id")] public required string Id { get; init; }
    [JsonPropertyName("driver")] public string Driver { get; init; } = "bridge";
    [JsonPropertyName("network_interface")] public string? NetworkInterface { get; init; }
    [JsonPropertyName("created")] public DateTimeOffset Created { get; init; }
    [JsonPropertyName("subnets")] public List<Subnet> Subnets { get; init; } = [];
    [JsonPropertyName("ipv6_enabled")] public bool Ipv6Enabled { get; init; }
    [JsonPropertyName("internal")] public bool Internal { get; init; }
    [JsonPropertyName("dns_enabled")] public bool DnsEnabled { get; init; }
    [JsonPropertyName("labels"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Labels { get; init; }
    [JsonPropertyName("ipam_options")] public Dictionary<string, string> IpamOptions { get; init; } = new() { ["driver"] = "host-local" };
}

public sealed record Subnet
{
    [JsonPropertyName("subnet")] public required string Cidr { get; init; }
    [JsonPropertyName("gateway")] public string? Gateway { get; init; }
}

/// <summary>netavark setup/teardown input.</summary>
public sealed record NetavarkOptions
{
    [JsonPropertyName("container_id")] public required string ContainerId { get; init; }
    [JsonPropertyName("container_name")] public required string ContainerName { get; init; }
    [JsonPropertyName("port_mappings"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<PortMapping>? PortMappings { get; init; }
    [JsonPropertyName("networks")] public required Dictionary<string, PerNetworkOptions> Networks { get; init; }
    [JsonPropertyName("network_info")] public required Dictionary<string, NetworkConfig> NetworkInfo { get; init; }
}

public sealed record PerNetworkOptions
{
    [JsonPropertyName("static_ips"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? StaticIps { get; init; }
    [JsonPropertyName("aliases"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Aliases { get; init; }
    [JsonPropertyName("interface_name")] public string InterfaceName { get; init; } = "eth0";
}

/// <summary>What a container got from a network setup.</summary>
public sealed record NetworkSetup
{
    public required string NetNsPath { get; init; }
    public required string NetworkName { get; init; }
    public string? Address { get; init; }
    public int PrefixLength { get; init; }
    public string? Gateway { get; init; }
    public string? MacAddress { get; init; }
    public string? DnsServer { get; init; }
    public List<PortMapping> Ports { get; init; } = [];
    public string? StatusJson { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(NetworkConfig))]
[JsonSerializable(typeof(NetavarkOptions))]
[JsonSerializable(typeof(List<NetworkConfig>))]
public sealed partial class NetworkJsonContext : JsonSerializerContext;
