using System.Globalization;
using System.Text.Json;
using Skiff.Interop;

namespace Skiff.Runtime.Spec;

/// <summary>What a spec needs beyond the container's definition: where things are on this host right now.</summary>
public sealed record SpecInputs
{
    /// <summary>The mounted root filesystem (Store.MountContainerAsync).</summary>
    public required string Rootfs { get; init; }

    /// <summary>The container's run directory: hosts, hostname, resolv.conf and .containerenv live there.</summary>
    public required string RunDir { get; init; }

    /// <summary>A network namespace to join (bridge networks); null: a new one (none) or the host's (host).</summary>
    public string? NetworkNamespacePath { get; init; }

    /// <summary>Host paths of named volumes, by name.</summary>
    public IReadOnlyDictionary<string, string> VolumePaths { get; init; } = new Dictionary<string, string>();

    /// <summary>cgroupfs path for the container's cgroups.</summary>
    public string? CgroupsPath { get; init; }

    /// <summary>The user, already resolved in the rootfs.</summary>
    public required ResolvedUser User { get; init; }

    /// <summary>Path of an init binary for --init (catatonit).</summary>
    public string? InitPath { get; init; }

    /// <summary>The default seccomp profile's path (tests point it elsewhere).</summary>
    public string SeccompDefaultPath { get; init; } = SeccompProfile.DefaultPath;
}

/// <summary>
/// Builds the OCI runtime spec of a container from its definition, with Podman's secure defaults: its default
/// capabilities, masked and read-only /proc and /sys paths, containers-common's seccomp profile, new pid, mount,
/// uts, ipc and network namespaces, and inherited rlimits (only --ulimit sets any).
/// </summary>
public static class SpecGenerator
{
    public const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";
    public const string InitMountPoint = "/run/podman-init";

    public static RuntimeSpec Generate(ContainerDefinition def, SpecInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(def);
        ArgumentNullException.ThrowIfNull(inputs);
        List<string> caps = SecurityDefaults.Effective(def.Privileged, def.CapAdd, def.CapDrop);
        bool root = inputs.User.Uid == 0;
        var spec = new RuntimeSpec
        {
            Root = new SpecRoot { Path = inputs.Rootfs, Readonly = def.ReadOnly },
            Hostname = HostnameOf(def),
            Process = new SpecProcess
            {
                // systemd without -t: a console of its own, so its boot messages reach the log.
                Terminal = def.Terminal || def.Systemd,
                User = new SpecUser
                {
                    Uid = inputs.User.Uid,
                    Gid = inputs.User.Gid,
                    Umask = 0x12,
                    AdditionalGids = inputs.User.AdditionalGids.Count > 0 ? [.. inputs.User.AdditionalGids] : null,
                },
                Args = Args(def, inputs),
                Env = Environment(def, inputs.User),
                Cwd = string.IsNullOrEmpty(def.WorkingDir) ? "/" : def.WorkingDir,
                Capabilities = new SpecCapabilities
                {
                    Bounding = [.. caps],
                    Effective = root ? [.. caps] : [],
                    Permitted = root ? [.. caps] : [],
                    Inheritable = [],
                    Ambient = [],
                },
                NoNewPrivileges = def.NoNewPrivileges,
                Rlimits = def.Ulimits.Count == 0 ? null : def.Ulimits.Select(u => new SpecRlimit(RlimitName(u.Name), u.Hard, u.Soft)).ToList(),
            },
            Annotations = def.Annotations.Count > 0 ? new Dictionary<string, string>(def.Annotations) : null,
            Linux = new SpecLinux
            {
                CgroupsPath = inputs.CgroupsPath,
                Namespaces = Namespaces(def, inputs),
                Resources = Resources(def),
                MaskedPaths = def.Privileged ? null : [.. SecurityDefaults.MaskedPaths],
                ReadonlyPaths = def.Privileged ? null : [.. SecurityDefaults.ReadonlyPaths],
                Sysctl = def.NetworkMode == "host" ? null : new Dictionary<string, string> { ["net.ipv4.ping_group_range"] = "0 0" },
            },
        };
        if (!def.Privileged && def.Seccomp != "unconfined")
        {
            bool isDefault = def.Seccomp == "default";
            spec.Linux.Seccomp = SeccompProfile.Load(isDefault ? inputs.SeccompDefaultPath : def.Seccomp, caps, isDefault);
        }
        spec.Mounts = Mounts(def, inputs);
        if (def.Devices.Count > 0)
        {
            AddDevices(def, spec.Linux);
        }
        return spec;
    }

    public static string HostnameOf(ContainerDefinition def) =>
        !string.IsNullOrEmpty(def.Hostname) ? def.Hostname : def.Id[..12];

    private static List<string> Args(ContainerDefinition def, SpecInputs inputs)
    {
        if (def.Args.Count == 0)
        {
            throw new RuntimeException("no command or entrypoint provided, and no CMD or ENTRYPOINT from image");
        }
        if (def.Init && inputs.InitPath is not null)
        {
            return [InitMountPoint, "--", .. def.Args];
        }
        return [.. def.Args];
    }

    private static List<string> Environment(ContainerDefinition def, ResolvedUser user)
    {
        var env = new List<string>();
        void Set(string entry, bool overwrite)
        {
            string key = entry.Split('=', 2)[0];
            int index = env.FindIndex(e => e.Split('=', 2)[0] == key);
            if (index < 0)
            {
                env.Add(entry);
            }
            else if (overwrite)
            {
                env[index] = entry;
            }
        }
        Set(DefaultPath, false);
        if (def.Terminal)
        {
            Set("TERM=xterm", false);
        }
        foreach (string e in def.Env)
        {
            Set(e, true);
        }
        Set("container=podman", true);
        if (def.Systemd && def.Id.Length >= 32)
        {
            Set("container_uuid=" + def.Id[..32], false);
        }
        Set("HOSTNAME=" + HostnameOf(def), false);
        Set("HOME=" + user.Home, false);
        return env;
    }

    private static List<SpecNamespace> Namespaces(ContainerDefinition def, SpecInputs inputs)
    {
        var ns = new List<SpecNamespace>
        {
            new() { Type = "pid" },
            new() { Type = "ipc" },
            new() { Type = "uts" },
            new() { Type = "mount" },
        };
        if (def.NetworkMode != "host")
        {
            ns.Add(new SpecNamespace { Type = "network", Path = inputs.NetworkNamespacePath });
        }
        if (File.Exists("/proc/self/ns/cgroup") && !def.Systemd)
        {
            ns.Add(new SpecNamespace { Type = "cgroup" });
        }
        return ns;
    }

    private static SpecResources Resources(ContainerDefinition def)
    {
        var resources = new SpecResources
        {
            Devices = [new SpecDeviceCgroup { Allow = def.Privileged, Access = "rwm" }],
        };
        if (def.MemoryLimit is long memory)
        {
            bool swapAccounting = File.Exists("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes") || File.Exists("/sys/fs/cgroup/memory.swap.max");
            resources.Memory = new SpecMemory { Limit = memory, Swap = swapAccounting ? memory * 2 : null };
        }
        if (def.CpuQuota is not null)
        {
            resources.Cpu = new SpecCpu { Quota = def.CpuQuota, Period = def.CpuPeriod ?? 100000 };
        }
        if (def.PidsLimit is long pids and > 0)
        {
            resources.Pids = new SpecPids { Limit = pids };
        }
        return resources;
    }

    private static List<SpecMount> Mounts(ContainerDefinition def, SpecInputs inputs)
    {
        var mounts = new List<SpecMount>
        {
            new() { Destination = "/proc", Type = "proc", Source = "proc", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev", Type = "tmpfs", Source = "tmpfs", Options = ["nosuid", "strictatime", "mode=755", "size=65536k"] },
            new() { Destination = "/dev/pts", Type = "devpts", Source = "devpts", Options = ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"] },
            new() { Destination = "/dev/mqueue", Type = "mqueue", Source = "mqueue", Options = ["nosuid", "noexec", "nodev"] },
            new() { Destination = "/dev/shm", Type = "tmpfs", Source = "shm", Options = ["nosuid", "noexec", "nodev", "mode=1777", "size=65536000"] },
            new() { Destination = "/sys", Type = "sysfs", Source = "sysfs", Options = ["nosuid", "noexec", "nodev", def.Privileged ? "rw" : "ro"] },
        };
        if (def.Systemd)
        {
            AddSystemdMounts(def, mounts, inputs.CgroupsPath);
        }
        else
        {
            mounts.Add(new SpecMount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"] });
        }

        // Files the engine writes in the run directory; a user mount of the same path wins.
        foreach ((string name, string dest) in new[] { ("hosts", "/etc/hosts"), ("hostname", "/etc/hostname"), ("resolv.conf", "/etc/resolv.conf"), (".containerenv", "/run/.containerenv") })
        {
            string source = Path.Combine(inputs.RunDir, name);
            if (File.Exists(source) && !def.Mounts.Exists(m => m.Destination == dest))
            {
                mounts.Add(new SpecMount { Destination = dest, Type = "bind", Source = source, Options = ["bind", "rprivate"] });
            }
        }
        if (def.Init && inputs.InitPath is not null)
        {
            mounts.Add(new SpecMount { Destination = InitMountPoint, Type = "bind", Source = inputs.InitPath, Options = ["bind", "ro", "rprivate"] });
        }

        foreach (MountDefinition m in def.Mounts)
        {
            switch (m.Type)
            {
                case "tmpfs":
                    mounts.RemoveAll(x => x.Destination == m.Destination);
                    var tmpfsOptions = new List<string> { "rw", "noexec", "nosuid", "nodev" };
                    foreach (string o in m.Options)
                    {
                        if (o is "exec" or "suid" or "dev" or "ro")
                        {
                            tmpfsOptions.Remove(o == "ro" ? "rw" : "no" + o);
                        }
                        tmpfsOptions.Add(o);
                    }
                    mounts.Add(new SpecMount { Destination = m.Destination, Type = "tmpfs", Source = "tmpfs", Options = tmpfsOptions });
                    break;
                case "volume":
                    string volumePath = inputs.VolumePaths.TryGetValue(m.Source, out string? vp)
                        ? vp
                        : throw new RuntimeException($"no volume with name \"{m.Source}\" found: no such volume");
                    mounts.Add(Bind(volumePath, m));
                    break;
                default:
                    mounts.Add(Bind(m.Source, m));
                    break;
            }
        }
        if (def.ReadOnly && def.ReadOnlyTmpfs && !def.Systemd)
        {
            foreach (string dest in new[] { "/tmp", "/var/tmp", "/run" })
            {
                if (!mounts.Exists(x => x.Destination == dest))
                {
                    mounts.Add(new SpecMount { Destination = dest, Type = "tmpfs", Source = "tmpfs", Options = ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"] });
                }
            }
        }
        return mounts;
    }

    private static SpecMount Bind(string source, MountDefinition m)
    {
        var options = new List<string> { "rbind" };
        bool ro = m.Options.Contains("ro");
        options.Add(ro ? "ro" : "rw");
        foreach (string o in m.Options)
        {
            if (o is "ro" or "rw" or "bind" or "rbind" or "z" or "Z")
            {
                continue;
            }
            options.Add(o);
        }
        if (!options.Any(o => o is "private" or "rprivate" or "shared" or "rshared" or "slave" or "rslave"))
        {
            options.Add("rprivate");
        }
        return new SpecMount { Destination = m.Destination, Type = "bind", Source = source, Options = options };
    }

    /// <summary>
    /// systemd as PID 1 wants writable tmpfs on /run, /run/lock, /tmp and /var/log/journal, and a cgroup tree it
    /// can write its own hierarchy into (podman's setupSystemd).
    /// </summary>
    private static void AddSystemdMounts(ContainerDefinition def, List<SpecMount> mounts, string? cgroupsPath)
    {
        foreach (string dest in new[] { "/run", "/run/lock", "/tmp", "/var/log/journal" })
        {
            if (!def.Mounts.Exists(x => x.Destination == dest))
            {
                mounts.Add(new SpecMount { Destination = dest, Type = "tmpfs", Source = "tmpfs", Options = ["rw", "rprivate", "nosuid", "nodev", "tmpcopyup"] });
            }
        }
        if (File.Exists("/sys/fs/cgroup/cgroup.controllers"))
        {
            mounts.Add(new SpecMount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["rprivate", "nosuid", "noexec", "nodev", "relatime", "rw"] });
            return;
        }
        // cgroup v1: the controllers read-only; the container's own part of the name=systemd hierarchy writable,
        // as its /sys/fs/cgroup/systemd (podman binds the same subtree).
        mounts.Add(new SpecMount { Destination = "/sys/fs/cgroup", Type = "cgroup", Source = "cgroup", Options = ["rprivate", "nosuid", "noexec", "nodev", "relatime", "ro"] });
        string source = SystemdCgroupSource(cgroupsPath);
        mounts.Add(new SpecMount { Destination = "/sys/fs/cgroup/systemd", Type = "bind", Source = source, Options = ["bind", "nodev", "noexec", "nosuid", "rprivate"] });
    }

    /// <summary>The host directory bound as a systemd container's /sys/fs/cgroup/systemd on cgroup v1.</summary>
    public static string SystemdCgroupSource(string? cgroupsPath) =>
        "/sys/fs/cgroup/systemd" + (string.IsNullOrEmpty(cgroupsPath) ? "" : "/" + cgroupsPath.TrimStart('/'));

    private static void AddDevices(ContainerDefinition def, SpecLinux linux)
    {
        linux.Devices ??= [];
        linux.Resources ??= new SpecResources();
        linux.Resources.Devices ??= [];
        foreach (DeviceDefinition d in def.Devices)
        {
            StatxNative st;
            try
            {
                st = FileAt.Statx(null, d.HostPath, 0);
            }
            catch (SystemCallException e)
            {
                throw new RuntimeException($"stat {d.HostPath}: {Errnos.Describe(e.Errno)}: invalid device", e);
            }
            int kind = st.Mode & 0xF000;
            string type = kind == 0x2000 ? "c" : kind == 0x6000 ? "b" : throw new RuntimeException($"{d.HostPath} is not a device");
            linux.Devices.Add(new SpecDevice
            {
                Path = d.ContainerPath,
                Type = type,
                Major = st.RdevMajor,
                Minor = st.RdevMinor,
                FileMode = (uint)(st.Mode & 0xFFF),
                Uid = 0,
                Gid = 0,
            });
            linux.Resources.Devices.Add(new SpecDeviceCgroup { Allow = true, Type = type, Major = st.RdevMajor, Minor = st.RdevMinor, Access = d.Permissions });
        }
    }

    /// <summary>"nofile" to "RLIMIT_NOFILE".</summary>
    public static string RlimitName(string name)
    {
        string upper = name.ToUpperInvariant();
        return upper.StartsWith("RLIMIT_", StringComparison.Ordinal) ? upper : "RLIMIT_" + upper;
    }

    public static byte[] Serialize(RuntimeSpec spec) => JsonSerializer.SerializeToUtf8Bytes(spec, RuntimeJsonContext.Default.RuntimeSpec);

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
