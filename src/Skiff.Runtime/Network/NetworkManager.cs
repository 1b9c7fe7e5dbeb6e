using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Skiff.Interop;

namespace Skiff.Runtime.Network;

/// <summary>
/// Bridge networks through netavark: a default network (skiff0, 10.89.0.0/16, so it never collides with podman's
/// own podman0/10.88.0.0/16), user networks as JSON files, addresses from a file-per-address allocator, one
/// network namespace per container (ip netns), port mappings incl. random host ports.
/// </summary>
public sealed class NetworkManager
{
    private static class StoreDefaults
    {
        public const string RunRoot = Skiff.Storage.StoreOptions.DefaultRunRoot;
    }

    public const string DefaultNetwork = "skiff";

    private readonly RuntimeOptions _options;
    private readonly string _configDir;

    public NetworkManager(RuntimeOptions options, string graphRoot)
    {
        _options = options;
        _configDir = Path.Combine(graphRoot, "networks");
    }

    // The bridges, their firewall rules and their addresses belong to the host, not to one store: every store on
    // the machine shares netavark's state (and its lock) and one allocator per network name.
    private static string HostNetworkDir => Path.Combine(StoreDefaults.RunRoot, "networks");
    private static string NetavarkStateDir => Path.Combine(HostNetworkDir, "netavark");
    private static string IpamDir(string network) => Path.Combine(HostNetworkDir, "ipam", network);

    public static NetworkConfig DefaultConfig { get; } = new()
    {
        Name = DefaultNetwork,
        Id = "6b8c3a1f4f3b8d0c2e8f1c9a7b6d5e4f3a2b1c0d9e8f7a6b5c4d3e2f1a0b9c8d",
        NetworkInterface = "skiff0",
        Created = DateTimeOffset.UnixEpoch,
        Subnets = [new Subnet { Cidr = "10.89.0.0/16", Gateway = "10.89.0.1" }],
    };

    public IReadOnlyList<NetworkConfig> List()
    {
        var list = new List<NetworkConfig> { DefaultConfig };
        if (Directory.Exists(_configDir))
        {
            foreach (string f in Directory.EnumerateFiles(_configDir, "*.json").Order(StringComparer.Ordinal))
            {
                if (Read(f) is { } n && n.Name != DefaultNetwork)
                {
                    list.Add(n);
                }
            }
        }
        return list;
    }

    private static NetworkConfig? Read(string file)
    {
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(file), NetworkJsonContext.Default.NetworkConfig);
        }
        catch (Exception e) when (e is IOException or JsonException)
        {
            return null;
        }
    }

    public NetworkConfig? Find(string nameOrId) =>
        List().FirstOrDefault(n => n.Name == nameOrId)
        ?? List().FirstOrDefault(n => nameOrId.Length >= 3 && n.Id.StartsWith(nameOrId, StringComparison.Ordinal));

    public NetworkConfig Create(string name, string? subnet, string? gateway, bool @internal, bool dns, Dictionary<string, string>? labels)
    {
        if (Find(name) is not null)
        {
            throw new RuntimeException($"network name {name} already used: network already exists");
        }
        List<NetworkConfig> existing = [.. List()];
        if (subnet is null)
        {
            for (int third = 90; third < 255; third++)
            {
                string candidate = $"10.{third}.0.0/24";
                if (!existing.Exists(n => n.Subnets.Exists(s => s.Cidr == candidate)) && third != 88)
                {
                    subnet = candidate;
                    break;
                }
            }
            if (subnet is null)
            {
                throw new RuntimeException("could not find a free subnet for the network");
            }
        }
        (uint net, int prefix) = ParseCidr(subnet);
        gateway ??= FormatIp(net + 1);
        int index = existing.Count;
        string iface;
        do
        {
            iface = $"skiff{index++}";
        }
        while (existing.Exists(n => n.NetworkInterface == iface));
        var config = new NetworkConfig
        {
            Name = name,
            Id = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(name + DateTime.UtcNow.Ticks))),
            NetworkInterface = iface,
            Created = DateTimeOffset.Now,
            Subnets = [new Subnet { Cidr = $"{FormatIp(net)}/{prefix}", Gateway = gateway }],
            Internal = @internal,
            DnsEnabled = dns,
            Labels = labels,
        };
        Directory.CreateDirectory(_configDir);
        File.WriteAllBytes(Path.Combine(_configDir, name + ".json"), JsonSerializer.SerializeToUtf8Bytes(config, NetworkJsonContext.Default.NetworkConfig));
        return config;
    }

    public void Remove(string name)
    {
        if (name == DefaultNetwork)
        {
            throw new RuntimeException($"default network {name} cannot be removed");
        }
        string file = Path.Combine(_configDir, name + ".json");
        if (!File.Exists(file))
        {
            throw new RuntimeException($"unable to find network with name or ID {name}: network not found");
        }
        File.Delete(file);
    }

    /// <summary>The network namespace a container gets (known before it exists, so a crash mid-setup can be undone).</summary>
    public static string NetnsPathFor(string containerId) => "/run/netns/skiff-" + containerId[..24];

    /// <summary>Creates the container's network namespace, allocates its address and runs `netavark setup`.</summary>
    public async Task<NetworkSetup> SetupAsync(ContainerDefinition def, string runDir, CancellationToken cancellationToken = default)
    {
        string networkName = def.NetworkMode is "bridge" or "" ? DefaultNetwork : def.NetworkMode;
        NetworkConfig network = Find(networkName) ?? throw new RuntimeException($"unable to find network with name or ID {networkName}: network not found");
        string nsPath = NetnsPathFor(def.Id);
        string nsName = Path.GetFileName(nsPath);
        await RunAsync("ip", ["netns", "add", nsName], cancellationToken, ignoreExists: true).ConfigureAwait(false);
        string? address = null;
        try
        {
            address = AllocateAddress(network, def.Id);
            List<PortMapping> ports = ResolvePorts(def);
            NetavarkOptions request = Request(def, network, address, ports);
            string output = await NetavarkAsync("setup", nsPath, request, cancellationToken).ConfigureAwait(false);
            var setup = new NetworkSetup
            {
                NetNsPath = nsPath,
                NetworkName = network.Name,
                Address = address,
                PrefixLength = ParseCidr(network.Subnets[0].Cidr).Prefix,
                Gateway = network.Subnets[0].Gateway,
                Ports = ports,
                StatusJson = output,
                MacAddress = ParseMac(output),
                DnsServer = network.DnsEnabled ? network.Subnets[0].Gateway : null,
            };
            return setup;
        }
        catch
        {
            if (address is not null)
            {
                ReleaseAddress(network.Name, def.Id);
            }
            DeleteNamespace(nsPath);
            throw;
        }
    }

    /// <summary>`netavark teardown`, then the namespace and the address go. Tolerates a half set-up network.</summary>
    public async Task TeardownAsync(ContainerDefinition def, string netNsPath, IReadOnlyList<PortMapping>? ports, CancellationToken cancellationToken = default)
    {
        string networkName = def.NetworkMode is "bridge" or "" ? DefaultNetwork : def.NetworkMode;
        NetworkConfig? network = Find(networkName);
        if (network is not null)
        {
            string? address = AddressOf(network.Name, def.Id);
            try
            {
                await NetavarkAsync("teardown", netNsPath, Request(def, network, address, ports is null ? [] : [.. ports]), cancellationToken).ConfigureAwait(false);
            }
            catch (RuntimeException)
            {
                // Already gone (a second teardown after a crash); the namespace and address still go.
            }
            ReleaseAddress(network.Name, def.Id);
        }
        DeleteNamespace(netNsPath);
    }

    /// <summary>
    /// What `ip netns delete` does, without its process: detach the namespace's bind mount and remove the file.
    /// A namespace that is not there (a second teardown after a crash) is fine.
    /// </summary>
    private static void DeleteNamespace(string path)
    {
        try
        {
            Skiff.Interop.Mounts.Unmount(path, Skiff.Interop.Mounts.MNT_DETACH);
        }
        catch (Skiff.Interop.SystemCallException e) when (e.Errno == Skiff.Interop.Errnos.EINVAL || e.Errno == Skiff.Interop.Errnos.ENOENT)
        {
        }
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
        }
    }

    private static NetavarkOptions Request(ContainerDefinition def, NetworkConfig network, string? address, List<PortMapping> ports) => new()
    {
        ContainerId = def.Id,
        ContainerName = def.Name,
        PortMappings = ports.Count > 0 ? ports : null,
        Networks = new Dictionary<string, PerNetworkOptions>
        {
            [network.Name] = new PerNetworkOptions
            {
                StaticIps = address is null ? null : [address],
                Aliases = network.DnsEnabled ? [def.Name, def.Id[..12]] : null,
            },
        },
        NetworkInfo = new Dictionary<string, NetworkConfig> { [network.Name] = network },
    };

    private static string? ParseMac(string output)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(output);
            foreach (JsonProperty net in doc.RootElement.EnumerateObject())
            {
                if (net.Value.TryGetProperty("interfaces", out JsonElement ifaces))
                {
                    foreach (JsonProperty i in ifaces.EnumerateObject())
                    {
                        if (i.Value.TryGetProperty("mac_address", out JsonElement mac))
                        {
                            return mac.GetString();
                        }
                    }
                }
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    /// <summary>
    /// Host ports for -p CTR and -P: the kernel picks a free one. The engine calls this at create, so the
    /// mappings are fixed for the container's life; at start it only fills what is still open.
    /// </summary>
    public static List<PortMapping> ResolvePorts(ContainerDefinition def)
    {
        var ports = new List<PortMapping>();
        foreach (PortMapping p in def.Ports)
        {
            ports.Add(p.HostPort != 0 ? p : p with { HostPort = FreePort(p.Protocol, p.HostIp) });
        }
        if (def.PublishAll)
        {
            foreach (string exposed in def.ExposedPorts)
            {
                string[] parts = exposed.Split('/');
                if (!ushort.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort port))
                {
                    continue;
                }
                string proto = parts.Length > 1 ? parts[1] : "tcp";
                if (ports.Exists(x => x.ContainerPort == port && x.Protocol == proto))
                {
                    continue;
                }
                ports.Add(new PortMapping { ContainerPort = port, HostPort = FreePort(proto, ""), Protocol = proto });
            }
        }
        return ports;
    }

    private static ushort FreePort(string protocol, string hostIp)
    {
        IPAddress ip = string.IsNullOrEmpty(hostIp) ? IPAddress.Any : IPAddress.Parse(hostIp);
        using var s = protocol == "udp"
            ? new Socket(ip.AddressFamily, SocketType.Dgram, ProtocolType.Udp)
            : new Socket(ip.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        s.Bind(new IPEndPoint(ip, 0));
        return (ushort)((IPEndPoint)s.LocalEndPoint!).Port;
    }

    private string AllocateAddress(NetworkConfig network, string containerId)
    {
        string dir = IpamDir(network.Name);
        Directory.CreateDirectory(dir);
        using var handle = FileLock.OpenLockFile(Path.Combine(dir, ".lock"));
        FileLock.Lock(handle, exclusive: true);
        if (AddressOfLocked(dir, containerId) is { } existing)
        {
            return existing;
        }
        (uint net, int prefix) = ParseCidr(network.Subnets[0].Cidr);
        uint size = prefix >= 32 ? 1 : 1u << (32 - prefix);
        uint gateway = network.Subnets[0].Gateway is { } g ? ParseIp(g) : net + 1;
        // An address whose container has no namespace any more was left by a crash: it is free again.
        foreach (string f in Directory.EnumerateFiles(dir).Where(f => !Path.GetFileName(f).StartsWith('.')))
        {
            string? owner = SafeRead(f);
            if (owner is { Length: >= 24 } && !File.Exists("/run/netns/skiff-" + owner[..24]))
            {
                File.Delete(f);
            }
        }
        var used = new HashSet<string>(Directory.EnumerateFiles(dir).Select(Path.GetFileName).OfType<string>());
        // Round robin from the last address handed out, as podman's IPAM does: an address just freed by a
        // stopped container is not handed straight to the next one, whose different MAC the host's neighbour
        // cache would not learn for up to ~30 s (published ports then time out).
        string lastFile = Path.Combine(dir, ".last");
        uint first = 2;
        if (SafeRead(lastFile) is { } lastText && TryParseIp(lastText.Trim(), out uint last) && last >= net + 2 && last < net + size - 2)
        {
            first = last - net + 1;
        }
        uint span = size - 3; // net + 2 .. net + size - 2
        for (uint k = 0; k < span && size > 3; k++)
        {
            uint candidate = net + 2 + ((first - 2 + k) % span);
            if (candidate == gateway)
            {
                continue;
            }
            string ip = FormatIp(candidate);
            if (!used.Contains(ip))
            {
                File.WriteAllText(Path.Combine(dir, ip), containerId);
                File.WriteAllText(lastFile, ip);
                return ip;
            }
        }
        throw new RuntimeException($"IPAM error: failed to find free IP in range: {network.Subnets[0].Cidr}");
    }

    private string? AddressOf(string network, string containerId)
    {
        string dir = IpamDir(network);
        return Directory.Exists(dir) ? AddressOfLocked(dir, containerId) : null;
    }

    private static string? AddressOfLocked(string dir, string containerId)
    {
        foreach (string f in Directory.EnumerateFiles(dir))
        {
            if (!Path.GetFileName(f).StartsWith('.') && SafeRead(f) == containerId)
            {
                return Path.GetFileName(f);
            }
        }
        return null;
    }

    private static string? SafeRead(string f)
    {
        try
        {
            return File.ReadAllText(f);
        }
        catch (IOException)
        {
            return null;
        }
    }

    private void ReleaseAddress(string network, string containerId)
    {
        string dir = IpamDir(network);
        if (!Directory.Exists(dir))
        {
            return;
        }
        using var handle = FileLock.OpenLockFile(Path.Combine(dir, ".lock"));
        FileLock.Lock(handle, exclusive: true);
        while (AddressOfLocked(dir, containerId) is { } ip)
        {
            File.Delete(Path.Combine(dir, ip));
        }
    }

    private async Task<string> NetavarkAsync(string verb, string nsPath, NetavarkOptions request, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(NetavarkStateDir);
        // netavark does not serialise its firewall changes: concurrent setups race on chain creation ("Chain
        // already exists"), so every call holds one host-wide lock, as podman's network interface does.
        using var handle = FileLock.OpenLockFile(Path.Combine(HostNetworkDir, "netavark.lock"));
        await Task.Run(() => FileLock.Lock(handle, exclusive: true), cancellationToken).ConfigureAwait(false);
        var psi = new ProcessStartInfo(_options.NetavarkPath)
        {
            UseShellExecute = false,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (string a in new[] { "--config", NetavarkStateDir, "--rootless=false", "--aardvark-binary=" + _options.AardvarkPath, verb, nsPath })
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi) ?? throw new RuntimeException("cannot start netavark");
        byte[] input = JsonSerializer.SerializeToUtf8Bytes(request, NetworkJsonContext.Default.NetavarkOptions);
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardInput.BaseStream.WriteAsync(input, cancellationToken).ConfigureAwait(false);
        p.StandardInput.Close();
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string output = await stdout.ConfigureAwait(false);
        string error = await stderr.ConfigureAwait(false);
        if (p.ExitCode != 0)
        {
            string message = error.Trim();
            try
            {
                using JsonDocument d = JsonDocument.Parse(output);
                if (d.RootElement.TryGetProperty("error", out JsonElement e))
                {
                    message = e.GetString() ?? message;
                }
            }
            catch (JsonException)
            {
            }
            throw new RuntimeException($"netavark: {message}");
        }
        return output;
    }

    private static async Task RunAsync(string file, IReadOnlyList<string> args, CancellationToken cancellationToken, bool ignoreExists)
    {
        var psi = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi) ?? throw new RuntimeException($"cannot start {file}");
        Task<string> err = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.StandardOutput.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        string e = await err.ConfigureAwait(false);
        if (p.ExitCode != 0 && !(ignoreExists && (e.Contains("exist", StringComparison.OrdinalIgnoreCase) || e.Contains("No such file", StringComparison.Ordinal))))
        {
            throw new RuntimeException($"{file} {string.Join(' ', args)}: {e.Trim()}");
        }
    }

    public static (uint Network, int Prefix) ParseCidr(string cidr)
    {
        string[] parts = cidr.Split('/');
        int prefix = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 32;
        uint ip = ParseIp(parts[0]);
        uint mask = prefix == 0 ? 0 : uint.MaxValue << (32 - prefix);
        return (ip & mask, prefix);
    }

    private static uint ParseIp(string ip)
    {
        byte[] b = IPAddress.Parse(ip).GetAddressBytes();
        return ((uint)b[0] << 24) | ((uint)b[1] << 16) | ((uint)b[2] << 8) | b[3];
    }

    private static bool TryParseIp(string text, out uint ip)
    {
        ip = 0;
        if (!IPAddress.TryParse(text, out IPAddress? address) || address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
        {
            return false;
        }
        ip = ParseIp(text);
        return true;
    }

    private static string FormatIp(uint ip) => $"{ip >> 24}.{(ip >> 16) & 255}.{(ip >> 8) & 255}.{ip & 255}";
}
