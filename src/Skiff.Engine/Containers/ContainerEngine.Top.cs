using System.Globalization;
using System.Text;
using Skiff.Runtime;
using Skiff.Runtime.Spec;

namespace Skiff.Engine.Containers;

/// <summary>podman top's table: the header row, then one row per process in the container.</summary>
public sealed record TopReport(IReadOnlyList<string> Headers, IReadOnlyList<IReadOnlyList<string>> Rows);

public sealed partial class ContainerEngine
{
    /// <summary>podman top's default descriptors.</summary>
    public static readonly IReadOnlyList<string> DefaultTopDescriptors = ["user", "pid", "ppid", "pcpu", "etime", "tty", "time", "args"];

    private static readonly Dictionary<string, string> s_aixDescriptors = new(StringComparer.Ordinal)
    {
        ["%C"] = "pcpu", ["%G"] = "group", ["%P"] = "ppid", ["%U"] = "user", ["%a"] = "args", ["%c"] = "comm", ["%g"] = "rgroup",
        ["%n"] = "nice", ["%p"] = "pid", ["%r"] = "pgid", ["%t"] = "etime", ["%u"] = "ruser", ["%x"] = "time", ["%y"] = "tty", ["%z"] = "vsz",
    };

    private static readonly Dictionary<string, string> s_topHeaders = new(StringComparer.Ordinal)
    {
        ["args"] = "COMMAND", ["capamb"] = "AMBIENT CAPS", ["capbnd"] = "BOUNDING CAPS", ["capeff"] = "EFFECTIVE CAPS",
        ["capinh"] = "INHERITED CAPS", ["capprm"] = "PERMITTED CAPS", ["comm"] = "COMMAND", ["etime"] = "ELAPSED",
        ["group"] = "GROUP", ["groups"] = "GROUPS", ["hgroup"] = "HGROUP", ["hgroups"] = "HGROUPS", ["hpid"] = "HPID",
        ["huser"] = "HUSER", ["label"] = "LABEL", ["nice"] = "NI", ["pcpu"] = "%CPU", ["pgid"] = "PGID", ["pid"] = "PID",
        ["ppid"] = "PPID", ["rgroup"] = "RGROUP", ["rss"] = "RSS", ["ruser"] = "RUSER", ["seccomp"] = "SECCOMP",
        ["state"] = "STATE", ["stime"] = "STIME", ["time"] = "TIME", ["tty"] = "TTY", ["user"] = "USER", ["vsz"] = "VSZ",
    };

    /// <summary>
    /// podman top: the container's processes read from /proc, one column per descriptor (ps(1)'s AIX descriptors
    /// and podman's own). Pids, parents and users are as the container sees them.
    /// </summary>
    public async Task<TopReport> TopAsync(string nameOrId, IReadOnlyList<string> descriptors, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        if (info.Status.State is not (ContainerState.Running or ContainerState.Paused))
        {
            throw new ContainerStateException($"top can only be used on running containers: container state improper");
        }
        List<string> fields = [];
        foreach (string d in (descriptors.Count == 0 ? DefaultTopDescriptors : descriptors).SelectMany(d => d.Split([',', ' '], StringSplitOptions.RemoveEmptyEntries)))
        {
            string name = s_aixDescriptors.GetValueOrDefault(d, d);
            if (!s_topHeaders.ContainsKey(name))
            {
                throw new RuntimeException($"unknown descriptor: {d}");
            }
            fields.Add(name);
        }
        IReadOnlyList<int> pids = await Runtime.Oci.PidsAsync(info.Record.Id, cancellationToken).ConfigureAwait(false);
        var procs = new List<ProcInfo>();
        foreach (int pid in pids.Order())
        {
            if (ProcInfo.Read(pid) is { } p)
            {
                procs.Add(p);
            }
        }
        var nsPid = procs.ToDictionary(p => p.HostPid, p => p.NsPid);
        string rootfs = $"/proc/{info.Status.Pid}/root";
        var users = new IdNames(Path.Combine(rootfs, "etc/passwd"));
        var groups = new IdNames(Path.Combine(rootfs, "etc/group"));
        var hostUsers = new IdNames("/etc/passwd");
        var hostGroups = new IdNames("/etc/group");
        DateTime now = _time.GetUtcNow().UtcDateTime;
        DateTime boot = BootTime();
        var rows = procs.Select(p => (IReadOnlyList<string>)fields.Select(f => f switch
        {
            "args" => p.Args.Length > 0 ? p.Args : "[" + p.Comm + "]",
            "comm" => p.Comm,
            "pid" => p.NsPid.ToString(CultureInfo.InvariantCulture),
            "ppid" => nsPid.GetValueOrDefault(p.HostParent).ToString(CultureInfo.InvariantCulture),
            "hpid" => p.HostPid.ToString(CultureInfo.InvariantCulture),
            "pgid" => p.Pgid.ToString(CultureInfo.InvariantCulture),
            "user" => users.Name(p.Uid),
            "ruser" => users.Name(p.RealUid),
            "huser" => hostUsers.Name(p.Uid),
            "group" => groups.Name(p.Gid),
            "rgroup" => groups.Name(p.RealGid),
            "hgroup" => hostGroups.Name(p.Gid),
            "groups" => string.Join(',', p.Groups.Select(groups.Name)),
            "hgroups" => string.Join(',', p.Groups.Select(hostGroups.Name)),
            "pcpu" => Pcpu(p, boot, now),
            "etime" => GoDuration(now - p.Start(boot)),
            "time" => GoDuration(TimeSpan.FromSeconds(Math.Floor(p.CpuSeconds))),
            "stime" => p.Start(boot).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + " +0000 UTC",
            "tty" => p.Tty,
            "state" => p.State,
            "nice" => p.Nice.ToString(CultureInfo.InvariantCulture),
            "vsz" => (p.VszBytes / 1024).ToString(CultureInfo.InvariantCulture),
            "rss" => (p.RssPages * Environment.SystemPageSize / 1024).ToString(CultureInfo.InvariantCulture),
            "seccomp" => p.Seccomp switch { "0" => "disabled", "1" => "strict", "2" => "filter", _ => "?" },
            "label" => "-",
            "capamb" => Caps(p.Caps.GetValueOrDefault("CapAmb")),
            "capbnd" => Caps(p.Caps.GetValueOrDefault("CapBnd")),
            "capeff" => Caps(p.Caps.GetValueOrDefault("CapEff")),
            "capinh" => Caps(p.Caps.GetValueOrDefault("CapInh")),
            "capprm" => Caps(p.Caps.GetValueOrDefault("CapPrm")),
            _ => "",
        }).ToList()).ToList();
        return new TopReport(fields.Select(f => s_topHeaders[f]).ToList(), rows);
    }

    private static string Pcpu(ProcInfo p, DateTime boot, DateTime now)
    {
        double elapsed = (now - p.Start(boot)).TotalSeconds;
        double pct = elapsed > 0 ? p.CpuSeconds / elapsed * 100 : 0;
        return pct.ToString("0.000", CultureInfo.InvariantCulture);
    }

    private static string Caps(ulong mask)
    {
        if (mask == 0)
        {
            return "none";
        }
        IReadOnlyList<string> all = SecurityDefaults.All;
        ulong full = (1UL << all.Count) - 1;
        if ((mask & full) == full)
        {
            return "full";
        }
        return string.Join(',', Enumerable.Range(0, all.Count).Where(i => (mask & (1UL << i)) != 0).Select(i => all[i]["CAP_".Length..]));
    }

    private static DateTime BootTime()
    {
        foreach (string line in File.ReadLines("/proc/stat"))
        {
            if (line.StartsWith("btime ", StringComparison.Ordinal))
            {
                return DateTime.UnixEpoch.AddSeconds(long.Parse(line[6..].Trim(), CultureInfo.InvariantCulture));
            }
        }
        return DateTime.UnixEpoch;
    }

    /// <summary>Go's time.Duration.String, which podman prints for ELAPSED and TIME ("757.019763ms", "1m2.5s", "0s").</summary>
    public static string GoDuration(TimeSpan d)
    {
        long ns = d.Ticks * 100;
        if (ns == 0)
        {
            return "0s";
        }
        var sb = new StringBuilder();
        if (ns < 0)
        {
            sb.Append('-');
            ns = -ns;
        }
        static string Frac(long value, long unit)
        {
            long whole = value / unit;
            long rest = value % unit;
            if (rest == 0)
            {
                return whole.ToString(CultureInfo.InvariantCulture);
            }
            int digits = (int)Math.Log10(unit);
            return whole.ToString(CultureInfo.InvariantCulture) + "." + rest.ToString(CultureInfo.InvariantCulture).PadLeft(digits, '0').TrimEnd('0');
        }
        if (ns < 1_000)
        {
            return sb.Append(ns).Append("ns").ToString();
        }
        if (ns < 1_000_000)
        {
            return sb.Append(Frac(ns, 1_000)).Append("µs").ToString();
        }
        if (ns < 1_000_000_000)
        {
            return sb.Append(Frac(ns, 1_000_000)).Append("ms").ToString();
        }
        long hours = ns / 3_600_000_000_000;
        ns %= 3_600_000_000_000;
        long minutes = ns / 60_000_000_000;
        ns %= 60_000_000_000;
        if (hours > 0)
        {
            sb.Append(hours).Append('h');
        }
        if (hours > 0 || minutes > 0)
        {
            sb.Append(minutes).Append('m');
        }
        return sb.Append(Frac(ns, 1_000_000_000)).Append('s').ToString();
    }

    /// <summary>uid/gid to name from a passwd or group file; the number when not listed.</summary>
    private sealed class IdNames
    {
        private readonly Dictionary<uint, string> _names = [];

        public IdNames(string path)
        {
            try
            {
                foreach (string line in File.ReadLines(path))
                {
                    string[] f = line.Split(':');
                    if (f.Length >= 3 && uint.TryParse(f[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint id))
                    {
                        _names.TryAdd(id, f[0]);
                    }
                }
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        }

        public string Name(uint id) => _names.GetValueOrDefault(id) ?? id.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>What /proc/PID/{stat,status,cmdline} say about one process.</summary>
    private sealed record ProcInfo
    {
        private const double ClockTicks = 100; // USER_HZ on Linux

        public int HostPid { get; init; }
        public int NsPid { get; init; }
        public int HostParent { get; init; }
        public int Pgid { get; init; }
        public string Comm { get; init; } = "";
        public string Args { get; init; } = "";
        public string State { get; init; } = "";
        public uint Uid { get; init; }
        public uint RealUid { get; init; }
        public uint Gid { get; init; }
        public uint RealGid { get; init; }
        public IReadOnlyList<uint> Groups { get; init; } = [];
        public string Tty { get; init; } = "?";
        public int Nice { get; init; }
        public double CpuSeconds { get; init; }
        public long StartTicks { get; init; }
        public long VszBytes { get; init; }
        public long RssPages { get; init; }
        public string Seccomp { get; init; } = "";
        public Dictionary<string, ulong> Caps { get; init; } = [];

        public DateTime Start(DateTime boot) => boot.AddSeconds(StartTicks / ClockTicks);

        public static ProcInfo? Read(int pid)
        {
            try
            {
                string stat = File.ReadAllText($"/proc/{pid}/stat");
                int open = stat.IndexOf('(');
                int close = stat.LastIndexOf(')');
                string comm = stat[(open + 1)..close];
                string[] f = stat[(close + 2)..].Split(' ');
                // f[0] is field 3 (state) of proc(5).
                var status = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (string line in File.ReadLines($"/proc/{pid}/status"))
                {
                    int colon = line.IndexOf(':');
                    if (colon > 0)
                    {
                        status[line[..colon]] = line[(colon + 1)..].Trim();
                    }
                }
                string[] uids = status.GetValueOrDefault("Uid", "0 0").Split('\t', StringSplitOptions.RemoveEmptyEntries);
                string[] gids = status.GetValueOrDefault("Gid", "0 0").Split('\t', StringSplitOptions.RemoveEmptyEntries);
                string nspid = status.GetValueOrDefault("NSpid", pid.ToString(CultureInfo.InvariantCulture)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[^1];
                byte[] cmdline = File.ReadAllBytes($"/proc/{pid}/cmdline");
                int ttyNr = int.Parse(f[4], CultureInfo.InvariantCulture);
                int major = (ttyNr >> 8) & 0xfff;
                int minor = (ttyNr & 0xff) | ((ttyNr >> 12) & 0xfff00);
                return new ProcInfo
                {
                    HostPid = pid,
                    NsPid = int.Parse(nspid, CultureInfo.InvariantCulture),
                    HostParent = int.Parse(f[1], CultureInfo.InvariantCulture),
                    Pgid = int.Parse(f[2], CultureInfo.InvariantCulture),
                    Comm = comm,
                    Args = Encoding.UTF8.GetString(cmdline).TrimEnd('\0').Replace('\0', ' '),
                    State = f[0],
                    Uid = uint.Parse(uids[1], CultureInfo.InvariantCulture),
                    RealUid = uint.Parse(uids[0], CultureInfo.InvariantCulture),
                    Gid = uint.Parse(gids[1], CultureInfo.InvariantCulture),
                    RealGid = uint.Parse(gids[0], CultureInfo.InvariantCulture),
                    Groups = status.GetValueOrDefault("Groups", "").Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(g => uint.Parse(g, CultureInfo.InvariantCulture)).ToList(),
                    Tty = ttyNr == 0 ? "?" : major is >= 136 and <= 143 ? $"pts/{minor + ((major - 136) << 8)}" : major == 4 ? $"tty{minor}" : "?",
                    Nice = int.Parse(f[16], CultureInfo.InvariantCulture),
                    CpuSeconds = (long.Parse(f[11], CultureInfo.InvariantCulture) + long.Parse(f[12], CultureInfo.InvariantCulture)) / ClockTicks,
                    StartTicks = long.Parse(f[19], CultureInfo.InvariantCulture),
                    VszBytes = long.Parse(f[20], CultureInfo.InvariantCulture),
                    RssPages = long.Parse(f[21], CultureInfo.InvariantCulture),
                    Seccomp = status.GetValueOrDefault("Seccomp", ""),
                    Caps = new[] { "CapInh", "CapPrm", "CapEff", "CapBnd", "CapAmb" }.ToDictionary(k => k,
                        k => ulong.TryParse(status.GetValueOrDefault(k, "0"), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out ulong v) ? v : 0UL),
                };
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException)
            {
                return null; // gone meanwhile
            }
        }
    }
}
