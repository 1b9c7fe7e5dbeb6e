using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Containers;
using Skiff.Runtime;
using Skiff.Runtime.Spec;
using Skiff.Storage;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman container inspect</c>: podman's JSON shape (the common fields).</summary>
public static class ContainerInspectCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Display the configuration of a container") { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<string?> format = new("--format", "-f") { Description = "Format the output to a Go template or json" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Option<bool> size = new("--size", "-s") { Description = "Display total file size" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(format);
        command.Options.Add(latest);
        command.Options.Add(size);
        command.Arguments.Add(names);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<string> targets = LifecycleCommands.Targets(engine, parseResult, names, latest);
            var items = new JsonArray();
            Exception? error = null;
            foreach (string t in targets)
            {
                try
                {
                    ContainerInfo info = engine.Containers.Get(t);
                    JsonObject item = Build(engine, info);
                    if (parseResult.GetValue(size))
                    {
                        AddSize(engine, info, item);
                    }
                    items.Add((JsonNode)item);
                }
                catch (NoSuchContainerException)
                {
                    error = new NoSuchContainerException(t);
                }
            }
            string? fmt = parseResult.GetValue(format);
            if (string.IsNullOrEmpty(fmt) || ReportFormatter.IsJson(fmt))
            {
                JsonOutput.WriteInspect(context.Out, items);
            }
            else
            {
                ReportFormatter.ForList("inspect", fmt).Render(context.Out, items);
            }
            if (error is not null)
            {
                throw error;
            }
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>Go's RFC 3339 with nanoseconds in UTC, trailing zeros dropped ("0001-01-01T00:00:00Z" for none).</summary>
    private static string Time(DateTimeOffset? t) =>
        (t ?? DateTimeOffset.MinValue).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.') + "Z";

    /// <summary>inspect --size: SizeRw and SizeRootFs, as podman adds them.</summary>
    public static void AddSize(EngineAccess engine, ContainerInfo info, JsonObject item)
    {
        ContainerSize size = engine.Containers.Size(info);
        item["SizeRw"] = size.RwSize;
        item["SizeRootFs"] = size.RootFsSize;
    }

    // Podman reports CapAdd/CapDrop against Docker's historical default set, whatever its own defaults are.
    private static readonly string[] s_dockerDefaultCaps =
    [
        "CAP_AUDIT_WRITE", "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_MKNOD", "CAP_NET_BIND_SERVICE",
        "CAP_NET_RAW", "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
    ];

    /// <summary>The environment the container's process has (its runtime spec once started), else what it will get.</summary>
    private static JsonArray Environment(ContainerInfo c)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(c.RunDir, "config.json"));
            if (global::System.Text.Json.JsonSerializer.Deserialize(bytes, RuntimeJsonContext.Default.RuntimeSpec)?.Process?.Env is { } env)
            {
                return Strings(env);
            }
        }
        catch (Exception e) when (e is IOException or global::System.Text.Json.JsonException)
        {
        }
        ContainerDefinition d = c.Definition;
        var list = new List<string> { "container=podman" };
        if (!d.Env.Exists(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            list.Add(SpecGenerator.DefaultPath);
        }
        if (d.Terminal)
        {
            list.Add("TERM=xterm");
        }
        list.AddRange(d.Env);
        list.Add("HOSTNAME=" + SpecGenerator.HostnameOf(d));
        return Strings(list);
    }

    private static JsonObject GraphDriver(EngineAccess engine, ContainerInfo c)
    {
        StoreOptions o = engine.Store.Options;
        string driverRoot = Path.Combine(o.GraphRoot, o.Driver);
        var lowers = new List<string>();
        string? layer = c.Definition.ImageId is { } imageId ? engine.Store.FindImage(imageId)?.TopLayer : null;
        while (layer is not null && engine.Store.GetLayer(layer) is { } record)
        {
            lowers.Add(Path.Combine(driverRoot, record.Id, "diff"));
            layer = record.Parent;
        }
        var data = new JsonObject();
        if (lowers.Count > 0)
        {
            data["LowerDir"] = string.Join(':', lowers);
        }
        data["MergedDir"] = c.Status.Mountpoint ?? Path.Combine(driverRoot, c.Record.LayerId, "merged");
        data["UpperDir"] = Path.Combine(driverRoot, c.Record.LayerId, "diff");
        data["WorkDir"] = Path.Combine(driverRoot, c.Record.LayerId, "work");
        return new JsonObject { ["Name"] = o.Driver, ["Data"] = data };
    }

    private static JsonObject Annotations(ContainerDefinition d)
    {
        static string Bool(bool b) => b ? "TRUE" : "FALSE";
        JsonObject o = Map(d.Annotations);
        o["io.container.manager"] = "libpod";
        o["io.kubernetes.cri-o.Created"] = Time(d.Created);
        o["io.kubernetes.cri-o.TTY"] = d.Terminal ? "true" : "false";
        o["io.podman.annotations.autoremove"] = Bool(d.AutoRemove);
        o["io.podman.annotations.init"] = Bool(d.Init);
        o["io.podman.annotations.privileged"] = Bool(d.Privileged);
        o["io.podman.annotations.publish-all"] = Bool(d.PublishAll);
        o["org.opencontainers.image.stopSignal"] = d.StopSignal.ToString(CultureInfo.InvariantCulture);
        return o;
    }

    private static JsonArray Strings(IEnumerable<string> values) => new([.. values.Select(v => (JsonNode?)v)]);

    private static JsonObject Map(IReadOnlyDictionary<string, string> values)
    {
        var o = new JsonObject();
        foreach ((string k, string v) in values)
        {
            o[k] = v;
        }
        return o;
    }

    public static JsonObject Build(EngineAccess engine, ContainerInfo c)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(c);
        ContainerDefinition d = c.Definition;
        ContainerStatus s = c.Status;
        string word = ContainerEngine.StatusWord(s);
        List<string> caps = SecurityDefaults.Effective(d.Privileged, d.CapAdd, d.CapDrop);
        IReadOnlyList<PortMapping> ports = s.Ports ?? d.Ports;
        var portMap = new JsonObject();
        foreach (PortMapping p in ports)
        {
            portMap[$"{p.ContainerPort}/{p.Protocol}"] = new JsonArray(new JsonObject { ["HostIp"] = p.HostIp, ["HostPort"] = p.HostPort.ToString(CultureInfo.InvariantCulture) });
        }
        foreach (string exposed in d.ExposedPorts)
        {
            portMap[exposed] ??= null;
        }
        var mounts = new JsonArray();
        foreach (MountDefinition m in d.Mounts.Where(m => m.Type != "tmpfs"))
        {
            var mount = new JsonObject { ["Type"] = m.Type };
            if (m.Type == "volume")
            {
                mount["Name"] = m.Source;
            }
            string source = m.Type == "volume" && engine.Containers.Runtime.Volumes.Find(m.Source) is { } volume ? volume.Mountpoint : m.Source;
            mount["Source"] = source;
            mount["Destination"] = m.Destination;
            mount["Driver"] = m.Type == "volume" ? "local" : "";
            mount["Mode"] = "";
            List<string> mountOptions = [.. m.Options.Where(o => o is not ("ro" or "rw"))];
            if (m.Type == "bind" && !mountOptions.Exists(o => o is "bind" or "rbind"))
            {
                mountOptions.Insert(0, "rbind");
            }
            mount["Options"] = Strings(mountOptions);
            mount["RW"] = !m.Options.Contains("ro");
            mount["Propagation"] = m.Type == "bind" ? "rprivate" : "";
            mounts.Add((JsonNode)mount);
        }
        var tmpfs = new JsonObject();
        foreach (MountDefinition m in d.Mounts.Where(m => m.Type == "tmpfs"))
        {
            tmpfs[m.Destination] = string.Join(',', m.Options.DefaultIfEmpty("rw,rprivate,nosuid,nodev,tmpcopyup"));
        }
        string networkName = d.NetworkMode is "bridge" ? Skiff.Runtime.Network.NetworkManager.DefaultNetwork : d.NetworkMode;
        string ip = "";
        string gateway = "";
        string mac = "";
        int prefix = 0;
        if (s.NetworkStatus is { } netJson)
        {
            try
            {
                using var doc = global::System.Text.Json.JsonDocument.Parse(netJson);
                foreach (var net in doc.RootElement.EnumerateObject())
                {
                    foreach (var iface in net.Value.GetProperty("interfaces").EnumerateObject())
                    {
                        mac = iface.Value.TryGetProperty("mac_address", out var macEl) ? macEl.GetString() ?? "" : "";
                        foreach (var sub in iface.Value.GetProperty("subnets").EnumerateArray())
                        {
                            string ipnet = sub.GetProperty("ipnet").GetString() ?? "";
                            string[] parts = ipnet.Split('/');
                            ip = parts[0];
                            prefix = parts.Length > 1 ? int.Parse(parts[1], CultureInfo.InvariantCulture) : 0;
                            gateway = sub.TryGetProperty("gateway", out var gw) ? gw.GetString() ?? "" : "";
                            break;
                        }
                    }
                }
            }
            catch (Exception e) when (e is global::System.Text.Json.JsonException or KeyNotFoundException or InvalidOperationException)
            {
            }
        }
        var networks = new JsonObject();
        if (d.NetworkMode is not ("host" or "none"))
        {
            networks[networkName] = new JsonObject
            {
                ["EndpointID"] = "",
                ["Gateway"] = gateway,
                ["IPAddress"] = ip,
                ["IPPrefixLen"] = prefix,
                ["IPv6Gateway"] = "",
                ["GlobalIPv6Address"] = "",
                ["GlobalIPv6PrefixLen"] = 0,
                ["MacAddress"] = mac,
                ["NetworkID"] = networkName,
                ["DriverOpts"] = null,
                ["IPAMConfig"] = null,
                ["Links"] = null,
                ["Aliases"] = Strings([d.Id[..12]]),
            };
        }
        var ulimits = new JsonArray([.. d.Ulimits.Select(u => (JsonNode?)new JsonObject
        {
            ["Name"] = SpecGenerator.RlimitName(u.Name),
            ["Soft"] = u.Soft,
            ["Hard"] = u.Hard,
        })]);
        return new JsonObject
        {
            ["Id"] = d.Id,
            ["Created"] = Time(d.Created),
            ["Path"] = d.Args.FirstOrDefault() ?? "",
            ["Args"] = Strings(d.Args.Skip(1)),
            ["State"] = new JsonObject
            {
                ["OciVersion"] = "1.0.2-dev",
                ["Status"] = word,
                ["Running"] = s.State == ContainerState.Running,
                ["Paused"] = s.State == ContainerState.Paused,
                ["Restarting"] = false,
                ["OOMKilled"] = false,
                ["Dead"] = false,
                ["Pid"] = s.Pid,
                ["ConmonPid"] = s.ConmonPid,
                ["ExitCode"] = s.ExitCode,
                ["Error"] = s.Error ?? "",
                ["StartedAt"] = Time(s.StartedAt),
                ["FinishedAt"] = Time(s.FinishedAt),
                ["Health"] = new JsonObject { ["Status"] = "", ["FailingStreak"] = 0, ["Log"] = null },
                ["CgroupPath"] = "/skiff/skiff-" + d.Id,
                ["CheckpointedAt"] = Time(null),
                ["RestoredAt"] = Time(null),
            },
            ["Image"] = d.ImageId ?? "",
            ["ImageDigest"] = d.ImageId is { } imageId && engine.Store.FindImage(imageId) is { } image ? image.ManifestDigest.ToString() : "",
            ["ImageName"] = d.ImageName ?? "",
            ["Rootfs"] = "",
            ["Pod"] = "",
            ["ResolvConfPath"] = Path.Combine(c.RunDir, "resolv.conf"),
            ["HostnamePath"] = Path.Combine(c.RunDir, "hostname"),
            ["HostsPath"] = Path.Combine(c.RunDir, "hosts"),
            ["StaticDir"] = Path.GetDirectoryName(c.LogPath),
            ["OCIConfigPath"] = Path.Combine(c.RunDir, "config.json"),
            ["OCIRuntime"] = "runc",
            ["ConmonPidFile"] = Path.Combine(c.RunDir, "conmon.pid"),
            ["PidFile"] = Path.Combine(c.RunDir, "pidfile"),
            ["Name"] = d.Name,
            ["RestartCount"] = s.RestartCount,
            ["Driver"] = "overlay",
            ["MountLabel"] = "",
            ["ProcessLabel"] = "",
            ["AppArmorProfile"] = "",
            ["EffectiveCaps"] = Strings(caps),
            ["BoundingCaps"] = Strings(caps),
            ["ExecIDs"] = new JsonArray(),
            ["GraphDriver"] = GraphDriver(engine, c),
            ["Mounts"] = mounts,
            ["Dependencies"] = new JsonArray(),
            ["NetworkSettings"] = new JsonObject
            {
                ["EndpointID"] = "",
                ["Gateway"] = gateway,
                ["IPAddress"] = ip,
                ["IPPrefixLen"] = prefix,
                ["IPv6Gateway"] = "",
                ["GlobalIPv6Address"] = "",
                ["GlobalIPv6PrefixLen"] = 0,
                ["MacAddress"] = mac,
                ["Bridge"] = "",
                ["SandboxID"] = "",
                ["HairpinMode"] = false,
                ["LinkLocalIPv6Address"] = "",
                ["LinkLocalIPv6PrefixLen"] = 0,
                ["Ports"] = portMap,
                ["SandboxKey"] = s.NetNsPath ?? "",
                ["Networks"] = networks,
            },
            ["Namespace"] = "",
            ["IsInfra"] = false,
            ["IsService"] = false,
            ["Config"] = new JsonObject
            {
                ["Hostname"] = SpecGenerator.HostnameOf(d),
                ["Domainname"] = "",
                ["User"] = d.User ?? "",
                ["AttachStdin"] = false,
                ["AttachStdout"] = false,
                ["AttachStderr"] = false,
                ["Tty"] = d.Terminal,
                ["OpenStdin"] = d.Stdin,
                ["StdinOnce"] = false,
                ["Env"] = Environment(c),
                ["Cmd"] = d.Command is null ? null : Strings(d.Command),
                ["Image"] = d.ImageName ?? "",
                ["Volumes"] = null,
                ["WorkingDir"] = d.WorkingDir,
                ["Entrypoint"] = string.Join(' ', d.Entrypoint ?? []),
                ["OnBuild"] = null,
                ["Labels"] = d.Labels.Count == 0 ? null : Map(d.Labels),
                ["Annotations"] = Annotations(d),
                ["StopSignal"] = d.StopSignal,
                ["HealthcheckOnFailureAction"] = "none",
                ["CreateCommand"] = d.CreateCommand is { } create ? Strings(create) : null,
                ["Umask"] = "0022",
                ["Timeout"] = 0,
                ["StopTimeout"] = d.StopTimeout,
                ["Passwd"] = true,
                ["SystemdMode"] = d.Systemd,
                ["sdNotifyMode"] = "container",
            },
            ["HostConfig"] = new JsonObject
            {
                ["Binds"] = Strings(d.Mounts.Where(m => m.Type is "bind" or "volume").Select(m => $"{m.Source}:{m.Destination}:{(m.Options.Contains("ro") ? "ro" : "rw")},rprivate,rbind")),
                ["CgroupManager"] = "cgroupfs",
                ["CgroupMode"] = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "private" : "host",
                ["ContainerIDFile"] = "",
                ["LogConfig"] = new JsonObject { ["Type"] = "k8s-file", ["Config"] = null, ["Path"] = c.LogPath, ["Tag"] = "", ["Size"] = "0B" },
                ["NetworkMode"] = d.NetworkMode,
                ["PortBindings"] = new JsonObject(ports.GroupBy(p => $"{p.ContainerPort}/{p.Protocol}").Select(g => new KeyValuePair<string, JsonNode?>(g.Key,
                    new JsonArray([.. g.Select(p => (JsonNode?)new JsonObject { ["HostIp"] = p.HostIp, ["HostPort"] = p.HostPort.ToString(CultureInfo.InvariantCulture) })])))),
                ["RestartPolicy"] = new JsonObject { ["Name"] = d.RestartPolicy, ["MaximumRetryCount"] = d.RestartRetries },
                ["AutoRemove"] = d.AutoRemove,
                ["VolumeDriver"] = "",
                ["VolumesFrom"] = null,
                ["CapAdd"] = Strings(caps.Except(s_dockerDefaultCaps).Order(StringComparer.Ordinal)),
                ["CapDrop"] = Strings(s_dockerDefaultCaps.Except(caps).Order(StringComparer.Ordinal)),
                ["Dns"] = new JsonArray(),
                ["DnsOptions"] = new JsonArray(),
                ["DnsSearch"] = new JsonArray(),
                ["ExtraHosts"] = new JsonArray(),
                ["GroupAdd"] = new JsonArray(),
                ["IpcMode"] = "shareable",
                ["Cgroup"] = "",
                ["Cgroups"] = "default",
                ["Links"] = null,
                ["OomScoreAdj"] = 0,
                ["PidMode"] = "private",
                ["Privileged"] = d.Privileged,
                ["PublishAllPorts"] = d.PublishAll,
                ["ReadonlyRootfs"] = d.ReadOnly,
                ["SecurityOpt"] = Strings(d.NoNewPrivileges ? ["no-new-privileges"] : []),
                ["Tmpfs"] = tmpfs,
                ["UTSMode"] = "private",
                ["UsernsMode"] = "",
                ["ShmSize"] = 65536000,
                ["Runtime"] = "oci",
                ["ConsoleSize"] = new JsonArray(0, 0),
                ["Isolation"] = "",
                ["CpuShares"] = 0,
                ["Memory"] = d.MemoryLimit ?? 0,
                ["NanoCpus"] = d.CpuQuota is long q ? q * 10000 : 0,
                ["CgroupParent"] = "",
                ["BlkioWeight"] = 0,
                ["BlkioWeightDevice"] = null,
                ["BlkioDeviceReadBps"] = null,
                ["BlkioDeviceWriteBps"] = null,
                ["BlkioDeviceReadIOps"] = null,
                ["BlkioDeviceWriteIOps"] = null,
                ["CpuPeriod"] = d.CpuPeriod ?? 0,
                ["CpuQuota"] = d.CpuQuota ?? 0,
                ["CpuRealtimePeriod"] = 0,
                ["CpuRealtimeRuntime"] = 0,
                ["CpusetCpus"] = "",
                ["CpusetMems"] = "",
                ["Devices"] = new JsonArray([.. d.Devices.Select(dev => (JsonNode?)new JsonObject
                {
                    ["PathOnHost"] = dev.HostPath,
                    ["PathInContainer"] = dev.ContainerPath,
                    ["CgroupPermissions"] = dev.Permissions,
                })]),
                ["DiskQuota"] = 0,
                ["KernelMemory"] = 0,
                ["MemoryReservation"] = 0,
                ["MemorySwap"] = d.MemoryLimit is long mem ? mem * 2 : 0,
                ["MemorySwappiness"] = 0,
                ["OomKillDisable"] = false,
                ["PidsLimit"] = d.PidsLimit ?? 0,
                ["Ulimits"] = ulimits,
                ["CpuCount"] = 0,
                ["CpuPercent"] = 0,
                ["IOMaximumIOps"] = 0,
                ["IOMaximumBandwidth"] = 0,
                ["CgroupConf"] = null,
                ["Init"] = d.Init,
            },
        };
    }
}
