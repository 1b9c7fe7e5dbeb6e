using System.Globalization;
using System.Text.Json;
using Skiff.Image;
using Skiff.Interop;
using Skiff.Runtime;
using Skiff.Storage;

namespace Skiff.Engine.Containers;

public sealed partial class ContainerEngine
{
    /// <summary>podman create: a container definition from the image config and the options, and its storage.</summary>
    public async Task<ContainerCreateReport> CreateAsync(ContainerCreateOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ImageRecord image = ResolveImage(options.Image, options.Pull);
        ImageConfig imageConfig = ImageConfig.Parse(_store.ReadImageConfig(image));
        ContainerConfig ic = imageConfig.Config ?? new ContainerConfig();
        var warnings = new List<string>();

        List<string>? entrypoint = ic.Entrypoint;
        List<string>? cmd = ic.Cmd;
        if (options.Entrypoint is not null)
        {
            entrypoint = ParseEntrypoint(options.Entrypoint);
            cmd = null;
        }
        if (options.Command.Count > 0)
        {
            cmd = [.. options.Command];
        }
        List<string> args = [.. entrypoint ?? [], .. cmd ?? []];
        if (args.Count == 0)
        {
            throw new RuntimeException("no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
        }

        string systemdMode = options.Systemd.ToLowerInvariant();
        if (systemdMode is not ("true" or "false" or "always"))
        {
            throw new RuntimeException($"invalid value \"{options.Systemd}\" systemd option requires 'true, false, always'");
        }
        bool systemd = systemdMode == "always" || (systemdMode == "true" && IsSystemdCommand(args[0]));

        int stopSignal = Signals.SIGTERM;
        string? signalText = options.StopSignal ?? (systemd ? null : ic.StopSignal);
        if (systemd && options.StopSignal is null)
        {
            stopSignal = Signals.Parse("RTMIN+3")!.Value;
        }
        else if (signalText is not null)
        {
            stopSignal = Signals.Parse(signalText) ?? throw new RuntimeException($"invalid signal: {signalText}");
        }

        var mounts = new List<MountDefinition>();
        var anonymous = new List<string>();
        foreach (string v in options.Volumes)
        {
            mounts.Add(ParseVolume(v));
        }
        foreach (string m in options.Mounts)
        {
            mounts.Add(ParseMount(m));
        }
        foreach (string t in options.Tmpfs)
        {
            string[] parts = t.Split(':', 2);
            mounts.Add(new MountDefinition { Type = "tmpfs", Destination = parts[0], Options = parts.Length > 1 ? [.. parts[1].Split(',')] : [] });
        }
        foreach (string dest in ic.Volumes?.Keys ?? Enumerable.Empty<string>())
        {
            if (!mounts.Exists(m => m.Destination == dest))
            {
                mounts.Add(new MountDefinition { Type = "volume", Source = "", Destination = dest });
            }
        }
        for (int i = 0; i < mounts.Count; i++)
        {
            if (mounts[i].Type == "volume" && mounts[i].Source.Length == 0)
            {
                Runtime.Volumes.VolumeRecord anon = await Runtime.Volumes.CreateAsync(null, anonymous: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                anonymous.Add(anon.Name);
                mounts[i] = mounts[i] with { Source = anon.Name };
            }
            if (!mounts[i].Destination.StartsWith('/'))
            {
                throw new RuntimeException($"invalid container path \"{mounts[i].Destination}\", must be an absolute path");
            }
        }

        bool noNewPrivileges = false;
        string seccomp = "default";
        foreach (string opt in options.SecurityOpts)
        {
            string[] kv = opt.Split(['=', ':'], 2);
            switch (kv[0])
            {
                case "no-new-privileges":
                    noNewPrivileges = kv.Length == 1 || kv[1] == "true";
                    break;
                case "seccomp":
                    seccomp = kv.Length > 1 ? kv[1] : "default";
                    break;
                case "label" or "apparmor" or "mask" or "unmask" or "proc-opts":
                    break;
                default:
                    throw new RuntimeException($"invalid --security-opt 1: \"{opt}\"");
            }
        }

        var labels = new Dictionary<string, string>(ic.Labels ?? []);
        foreach (string l in options.Labels)
        {
            string[] kv = l.Split('=', 2);
            labels[kv[0]] = kv.Length > 1 ? kv[1] : "";
        }
        var annotations = new Dictionary<string, string>();
        foreach (string a in options.Annotations)
        {
            string[] kv = a.Split('=', 2);
            if (kv.Length != 2 || kv[0].Length == 0)
            {
                throw new RuntimeException("annotations must be formatted KEY=VALUE");
            }
            annotations[kv[0]] = kv[1];
        }

        (string restart, int retries) = ParseRestart(options.Restart);
        if (restart is "always" or "unless-stopped" && options.AutoRemove)
        {
            throw new RuntimeException("the --rm option conflicts with --restart, when the restartPolicy is not \"\" and \"no\"");
        }
        string network = options.Network ?? "bridge";
        if (network == "default")
        {
            network = "bridge";
        }
        if (network is not ("bridge" or "host" or "none" or "private") && Runtime.Networks.Find(network) is null)
        {
            throw new RuntimeException($"unable to find network with name or ID {network}: network not found");
        }
        if (network == "private")
        {
            network = "bridge";
        }
        if (network is "host" or "none" && (options.Publish.Count > 0 || options.PublishAll))
        {
            warnings.Add($"Port mappings have been discarded as one of the Host, Container, Pod, and None network modes are in use");
        }

        long? cpuQuota = null;
        if (options.Cpus is double cpus)
        {
            if (cpus <= 0)
            {
                throw new RuntimeException($"invalid argument \"{cpus}\" for \"--cpus\" flag");
            }
            cpuQuota = (long)Math.Round(cpus * 100000);
        }

        var def = new ContainerDefinition
        {
            Id = "",
            Name = options.Name ?? "",
            ImageId = image.Id,
            ImageName = image.Names.FirstOrDefault(n => n == options.Image || n.EndsWith("/" + options.Image, StringComparison.Ordinal) || n.EndsWith("/" + options.Image + ":latest", StringComparison.Ordinal))
                ?? image.Names.FirstOrDefault() ?? image.Id,
            Args = args,
            Entrypoint = entrypoint,
            Command = cmd,
            Env = BuildEnv(ic.Env, options),
            WorkingDir = options.WorkingDir ?? (string.IsNullOrEmpty(ic.WorkingDir) ? "/" : ic.WorkingDir),
            User = options.User ?? ic.User,
            Hostname = options.Hostname,
            Terminal = options.Terminal,
            Stdin = options.Interactive,
            ReadOnly = options.ReadOnly,
            ReadOnlyTmpfs = options.ReadOnlyTmpfs,
            Privileged = options.Privileged,
            NoNewPrivileges = noNewPrivileges,
            CapAdd = [.. options.CapAdd.Select(Skiff.Runtime.Spec.SecurityDefaults.NormalizeCapability)],
            CapDrop = [.. options.CapDrop.Select(Skiff.Runtime.Spec.SecurityDefaults.NormalizeCapability)],
            Seccomp = seccomp,
            Mounts = mounts,
            Ulimits = [.. options.Ulimits.Select(ParseUlimit)],
            Devices = [.. options.Devices.Select(ParseDevice)],
            MemoryLimit = options.Memory is null ? null : ParseMemory(options.Memory),
            CpuQuota = cpuQuota,
            CpuPeriod = cpuQuota is null ? null : 100000,
            PidsLimit = options.PidsLimit ?? 2048,
            Labels = labels,
            Annotations = annotations,
            CreateCommand = options.CreateCommand is null ? null : [.. options.CreateCommand],
            Ports = network is "host" or "none" ? [] : [.. options.Publish.SelectMany(ParsePublish)],
            ExposedPorts = [.. (ic.ExposedPorts?.Keys ?? Enumerable.Empty<string>()).Select(p => p.Contains('/', StringComparison.Ordinal) ? p : p + "/tcp")],
            PublishAll = options.PublishAll && network is not ("host" or "none"),
            NetworkMode = network,
            Systemd = systemd,
            SystemdMode = systemdMode,
            StopSignal = stopSignal,
            StopTimeout = options.StopTimeout ?? 10,
            AutoRemove = options.AutoRemove,
            Init = options.Init,
            RestartPolicy = restart,
            RestartRetries = retries,
            AnonymousVolumes = anonymous,
        };
        // Random host ports (-P, -p CTR) are chosen once, here, as podman does: a stop and start keeps them.
        def = def with { Ports = Skiff.Runtime.Network.NetworkManager.ResolvePorts(def) };
        ContainerInfo created = await Runtime.CreateAsync(def, cancellationToken).ConfigureAwait(false);
        return new ContainerCreateReport(created.Record.Id, warnings);
    }

    private static bool IsSystemdCommand(string command) =>
        command is "/sbin/init" or "/usr/sbin/init" or "/usr/local/sbin/init" || Path.GetFileName(command) == "systemd";

    private static List<string> ParseEntrypoint(string value)
    {
        if (value.Length == 0)
        {
            return [];
        }
        if (value.StartsWith('['))
        {
            try
            {
                using JsonDocument doc = JsonDocument.Parse(value);
                return doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            }
            catch (JsonException)
            {
            }
        }
        return [value];
    }

    private static List<string> BuildEnv(List<string>? imageEnv, ContainerCreateOptions options)
    {
        var env = new List<string>();
        void Set(string entry)
        {
            string key = entry.Split('=', 2)[0];
            env.RemoveAll(e => e.Split('=', 2)[0] == key);
            env.Add(entry);
        }
        foreach (string e in imageEnv ?? [])
        {
            Set(e);
        }
        if (options.EnvHost)
        {
            foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            {
                Set($"{e.Key}={e.Value}");
            }
        }
        foreach (string file in options.EnvFiles)
        {
            IEnumerable<string> lines;
            try
            {
                lines = File.ReadAllLines(file);
            }
            catch (IOException e)
            {
                throw new RuntimeException($"open {file}: {e.Message}", e);
            }
            foreach (string raw in lines)
            {
                string line = raw.TrimStart();
                if (line.Length == 0 || line.StartsWith('#'))
                {
                    continue;
                }
                AddEnvArgument(line, Set);
            }
        }
        foreach (string e in options.Env)
        {
            AddEnvArgument(e, Set);
        }
        return env;
    }

    /// <summary>KEY=VALUE sets; a bare KEY takes the host's value (and is skipped when the host has none); KEY* copies matching host variables.</summary>
    private static void AddEnvArgument(string entry, Action<string> set)
    {
        int eq = entry.IndexOf('=', StringComparison.Ordinal);
        if (eq >= 0)
        {
            set(entry);
            return;
        }
        if (entry.EndsWith('*'))
        {
            string prefix = entry[..^1];
            foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
            {
                if (((string)e.Key).StartsWith(prefix, StringComparison.Ordinal))
                {
                    set($"{e.Key}={e.Value}");
                }
            }
            return;
        }
        if (System.Environment.GetEnvironmentVariable(entry) is { } value)
        {
            set($"{entry}={value}");
        }
    }

    /// <summary>-v: HOST:CTR[:OPTS], NAME:CTR[:OPTS] (a named volume), or CTR alone (an anonymous volume).</summary>
    public static MountDefinition ParseVolume(string spec)
    {
        string[] parts = spec.Split(':');
        if (parts.Length == 1)
        {
            return new MountDefinition { Type = "volume", Source = "", Destination = parts[0] };
        }
        if (parts.Length > 3)
        {
            throw new RuntimeException($"{spec}: incorrect volume format, should be [host-dir:]ctr-dir[:option]");
        }
        string source = parts[0];
        string dest = parts[1];
        List<string> opts = parts.Length == 3 ? [.. parts[2].Split(',', StringSplitOptions.RemoveEmptyEntries)] : [];
        foreach (string o in opts)
        {
            if (o is not ("ro" or "rw" or "z" or "Z" or "private" or "rprivate" or "shared" or "rshared" or "slave" or "rslave" or "bind" or "rbind"
                or "nosuid" or "suid" or "nodev" or "dev" or "noexec" or "exec" or "U" or "O" or "copy" or "nocopy"))
            {
                throw new RuntimeException($"invalid options \"{o}\", can only specify 'ro', 'rw', 'z', 'Z', '[r]shared', '[r]private', '[r]slave', 'bind', 'rbind' or '[no]exec': invalid argument");
            }
        }
        if (source.StartsWith('/') || source.StartsWith('.'))
        {
            string full = Path.GetFullPath(source);
            if (!Path.Exists(full))
            {
                throw new RuntimeException($"statfs {full}: no such file or directory");
            }
            return new MountDefinition { Type = "bind", Source = full, Destination = dest, Options = opts };
        }
        if (!Skiff.Runtime.Volumes.VolumeManager.IsValidName(source))
        {
            throw new RuntimeException($"{source}: invalid volume name");
        }
        return new MountDefinition { Type = "volume", Source = source, Destination = dest, Options = opts };
    }

    /// <summary>--mount type=bind|volume|tmpfs,source=...,target=...[,ro][,readonly]...</summary>
    public static MountDefinition ParseMount(string spec)
    {
        string type = "";
        string source = "";
        string target = "";
        var opts = new List<string>();
        foreach (string field in spec.Split(','))
        {
            string[] kv = field.Split('=', 2);
            string key = kv[0].Trim().ToLowerInvariant();
            string? value = kv.Length > 1 ? kv[1] : null;
            switch (key)
            {
                case "type":
                    type = value ?? "";
                    break;
                case "source" or "src":
                    source = value ?? "";
                    break;
                case "target" or "destination" or "dst":
                    target = value ?? "";
                    break;
                case "ro" or "readonly":
                    if (value is null or "true" or "1")
                    {
                        opts.Add("ro");
                    }
                    break;
                case "rw":
                    break;
                case "tmpfs-size":
                    opts.Add("size=" + value);
                    break;
                case "tmpfs-mode":
                    opts.Add("mode=" + value);
                    break;
                case "bind-propagation":
                    opts.Add(value ?? "rprivate");
                    break;
                case "relabel" or "consistency" or "bind-nonrecursive" or "z" or "Z" or "U" or "chown" or "idmap":
                    break;
                default:
                    opts.Add(value is null ? key : $"{key}={value}");
                    break;
            }
        }
        if (target.Length == 0)
        {
            throw new RuntimeException($"\"{spec}\": must set target path: invalid argument");
        }
        switch (type)
        {
            case "bind":
                if (source.Length == 0)
                {
                    throw new RuntimeException($"\"{spec}\": must set source path for bind mounts: invalid argument");
                }
                string full = Path.GetFullPath(source);
                if (!Path.Exists(full))
                {
                    throw new RuntimeException($"statfs {full}: no such file or directory");
                }
                return new MountDefinition { Type = "bind", Source = full, Destination = target, Options = opts };
            case "volume":
                return new MountDefinition { Type = "volume", Source = source, Destination = target, Options = opts };
            case "tmpfs":
                return new MountDefinition { Type = "tmpfs", Destination = target, Options = opts };
            default:
                throw new RuntimeException($"invalid filesystem type \"{type}\"");
        }
    }

    /// <summary>-p [[IP:][HOSTPORT]:]CTRPORT[/PROTO], port ranges included.</summary>
    public static IEnumerable<PortMapping> ParsePublish(string spec)
    {
        string proto = "tcp";
        string body = spec;
        int slash = spec.LastIndexOf('/');
        if (slash >= 0)
        {
            proto = spec[(slash + 1)..].ToLowerInvariant();
            body = spec[..slash];
            if (proto is not ("tcp" or "udp" or "sctp"))
            {
                throw new RuntimeException($"invalid port format {spec}: unknown protocol {proto}");
            }
        }
        string hostIp = "";
        string hostPort = "";
        string ctrPort;
        if (body.StartsWith('['))
        {
            int close = body.IndexOf(']', StringComparison.Ordinal);
            hostIp = body[1..close];
            body = body[(close + 2)..];
            string[] rest = body.Split(':');
            (hostPort, ctrPort) = rest.Length == 2 ? (rest[0], rest[1]) : ("", rest[0]);
        }
        else
        {
            string[] parts = body.Split(':');
            switch (parts.Length)
            {
                case 1:
                    ctrPort = parts[0];
                    break;
                case 2:
                    hostPort = parts[0];
                    ctrPort = parts[1];
                    break;
                case 3:
                    hostIp = parts[0];
                    hostPort = parts[1];
                    ctrPort = parts[2];
                    break;
                default:
                    throw new RuntimeException($"invalid port format {spec}");
            }
        }
        (ushort ctrStart, ushort ctrCount) = ParsePortRange(ctrPort, spec);
        (ushort hostStart, ushort hostCount) = hostPort.Length == 0 ? ((ushort)0, ctrCount) : ParsePortRange(hostPort, spec);
        if (hostCount != ctrCount)
        {
            throw new RuntimeException($"host and container port ranges have different lengths in {spec}");
        }
        for (int i = 0; i < ctrCount; i++)
        {
            yield return new PortMapping
            {
                HostIp = hostIp,
                ContainerPort = (ushort)(ctrStart + i),
                HostPort = hostStart == 0 ? (ushort)0 : (ushort)(hostStart + i),
                Protocol = proto,
            };
        }
    }

    private static (ushort Start, ushort Count) ParsePortRange(string text, string spec)
    {
        string[] r = text.Split('-');
        if (!ushort.TryParse(r[0], NumberStyles.None, CultureInfo.InvariantCulture, out ushort start) || start == 0)
        {
            throw new RuntimeException($"invalid port format {spec}: invalid port number \"{text}\"");
        }
        if (r.Length == 1)
        {
            return (start, 1);
        }
        if (!ushort.TryParse(r[1], NumberStyles.None, CultureInfo.InvariantCulture, out ushort end) || end < start)
        {
            throw new RuntimeException($"invalid port format {spec}: invalid range \"{text}\"");
        }
        return (start, (ushort)(end - start + 1));
    }

    /// <summary>--ulimit NAME=SOFT[:HARD]; refused above this process's hard limit (no CAP_SYS_RESOURCE to raise it).</summary>
    public static UlimitDefinition ParseUlimit(string spec)
    {
        string[] kv = spec.Split('=', 2);
        if (kv.Length != 2)
        {
            throw new RuntimeException($"invalid ulimit argument: {spec}");
        }
        string name = kv[0].ToLowerInvariant();
        string[] values = kv[1].Split(':');
        ulong soft = ParseLimit(values[0], spec);
        ulong hard = values.Length > 1 ? ParseLimit(values[1], spec) : soft;
        if (soft > hard)
        {
            throw new RuntimeException($"ulimit soft limit must be less than or equal to hard limit: {soft} > {hard}");
        }
        ulong? current = CurrentHardLimit(name);
        if (current is ulong max && hard > max)
        {
            throw new RuntimeException($"ulimit {name}: hard limit {hard} exceeds the current hard limit {max}, which cannot be raised (no CAP_SYS_RESOURCE)");
        }
        return new UlimitDefinition(name, soft, hard);
    }

    private static ulong ParseLimit(string text, string spec)
    {
        if (text is "-1" or "unlimited")
        {
            return ulong.MaxValue;
        }
        return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : throw new RuntimeException($"invalid ulimit argument: {spec}");
    }

    private static readonly Dictionary<string, string> s_limitNames = new()
    {
        ["cpu"] = "Max cpu time", ["fsize"] = "Max file size", ["data"] = "Max data size", ["stack"] = "Max stack size",
        ["core"] = "Max core file size", ["rss"] = "Max resident set", ["nproc"] = "Max processes", ["nofile"] = "Max open files",
        ["memlock"] = "Max locked memory", ["as"] = "Max address space", ["locks"] = "Max file locks", ["sigpending"] = "Max pending signals",
        ["msgqueue"] = "Max msgqueue size", ["nice"] = "Max nice priority", ["rtprio"] = "Max realtime priority", ["rttime"] = "Max realtime timeout",
    };

    private static ulong? CurrentHardLimit(string name)
    {
        if (!s_limitNames.TryGetValue(name, out string? label))
        {
            throw new RuntimeException($"invalid ulimit type: {name}");
        }
        foreach (string line in File.ReadLines("/proc/self/limits"))
        {
            if (line.StartsWith(label, StringComparison.Ordinal))
            {
                string[] cols = line[label.Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                return cols.Length > 1 && cols[1] != "unlimited" && ulong.TryParse(cols[1], NumberStyles.None, CultureInfo.InvariantCulture, out ulong v) ? v : null;
            }
        }
        return null;
    }

    /// <summary>--memory 64m, 1g, 512k, 1048576b.</summary>
    public static long ParseMemory(string text)
    {
        string t = text.Trim().ToLowerInvariant();
        long multiplier = 1;
        if (t.EndsWith('b'))
        {
            t = t[..^1];
        }
        if (t.Length > 0 && "kmgt".Contains(t[^1], StringComparison.Ordinal))
        {
            multiplier = t[^1] switch { 'k' => 1L << 10, 'm' => 1L << 20, 'g' => 1L << 30, _ => 1L << 40 };
            t = t[..^1];
        }
        if (!double.TryParse(t, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v) || v <= 0)
        {
            throw new RuntimeException($"invalid size: '{text}'");
        }
        long bytes = (long)(v * multiplier);
        if (bytes < 6 * 1024 * 1024)
        {
            throw new RuntimeException("minimum memory limit allowed is 6MB");
        }
        return bytes;
    }

    private static DeviceDefinition ParseDevice(string spec)
    {
        string[] parts = spec.Split(':');
        string host = parts[0];
        string ctr = parts.Length > 1 && parts[1].StartsWith('/') ? parts[1] : host;
        string perms = parts.Length > 2 ? parts[2] : parts.Length == 2 && !parts[1].StartsWith('/') ? parts[1] : "rwm";
        return new DeviceDefinition(host, ctr, perms);
    }

    private static (string Policy, int Retries) ParseRestart(string? value)
    {
        if (string.IsNullOrEmpty(value) || value == "no")
        {
            return ("", 0);
        }
        string[] parts = value.Split(':', 2);
        int retries = 0;
        if (parts.Length > 1 && (!int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out retries) || parts[0] != "on-failure"))
        {
            throw new RuntimeException($"invalid restart policy: {value}");
        }
        return parts[0] is "always" or "on-failure" or "unless-stopped"
            ? (parts[0], retries)
            : throw new RuntimeException($"invalid restart policy \"{parts[0]}\": must be one of no, on-failure, always, unless-stopped");
    }
}
