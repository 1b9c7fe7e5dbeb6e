namespace Skiff.Runtime.Spec;

/// <summary>Podman's secure defaults (containers-common): capabilities, masked and read-only kernel paths.</summary>
public static class SecurityDefaults
{
    /// <summary>containers.conf default_capabilities as shipped by containers-common.</summary>
    public static IReadOnlyList<string> Capabilities { get; } =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
    ];

    public static IReadOnlyList<string> MaskedPaths { get; } =
    [
        "/proc/acpi", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
        "/proc/sched_debug", "/proc/scsi", "/sys/firmware", "/sys/fs/selinux", "/sys/dev/block",
    ];

    public static IReadOnlyList<string> ReadonlyPaths { get; } =
    [
        "/proc/asound", "/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger",
    ];

    /// <summary>Every capability in kernel order (index = capability number).</summary>
    private static readonly string[] s_all =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
        "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
        "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
        "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
        "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
        "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
    ];

    /// <summary>Every capability the kernel knows, in bit order (index = capability number).</summary>
    public static IReadOnlyList<string> All => s_all;

    /// <summary>
    /// The capabilities this process may hand out (its bounding set): --privileged gets these, since runc fails
    /// on a capability the caller does not hold (this machine lacks CAP_SYS_RESOURCE).
    /// </summary>
    public static IReadOnlyList<string> Available()
    {
        ulong bounding = ulong.MaxValue;
        try
        {
            foreach (string line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith("CapBnd:", StringComparison.Ordinal))
                {
                    bounding = Convert.ToUInt64(line["CapBnd:".Length..].Trim(), 16);
                }
            }
        }
        catch (IOException)
        {
        }
        int last = s_all.Length - 1;
        try
        {
            last = Math.Min(last, int.Parse(File.ReadAllText("/proc/sys/kernel/cap_last_cap").Trim(), System.Globalization.CultureInfo.InvariantCulture));
        }
        catch (Exception e) when (e is IOException or FormatException)
        {
        }
        var caps = new List<string>();
        for (int i = 0; i <= last; i++)
        {
            if ((bounding & (1UL << i)) != 0)
            {
                caps.Add(s_all[i]);
            }
        }
        return caps;
    }

    /// <summary>"net_admin", "NET_ADMIN" or "CAP_NET_ADMIN" to "CAP_NET_ADMIN"; "ALL" stays "ALL".</summary>
    public static string NormalizeCapability(string name)
    {
        string upper = name.Trim().ToUpperInvariant();
        if (upper == "ALL")
        {
            return upper;
        }
        string full = upper.StartsWith("CAP_", StringComparison.Ordinal) ? upper : "CAP_" + upper;
        if (Array.IndexOf(s_all, full) < 0)
        {
            throw new RuntimeException($"unknown capability \"{name}\": invalid capability");
        }
        return full;
    }

    /// <summary>The capability set after --cap-add/--cap-drop over the default (or all, privileged).</summary>
    public static List<string> Effective(bool privileged, IEnumerable<string> add, IEnumerable<string> drop)
    {
        IReadOnlyList<string> available = Available();
        var caps = new List<string>(privileged ? available : Capabilities.Where(available.Contains));
        List<string> drops = drop.Select(NormalizeCapability).ToList();
        if (drops.Contains("ALL"))
        {
            caps.Clear();
        }
        foreach (string a in add.Select(NormalizeCapability))
        {
            if (a == "ALL")
            {
                caps = [.. available];
                continue;
            }
            if (!caps.Contains(a) && available.Contains(a))
            {
                caps.Add(a);
            }
        }
        caps.RemoveAll(drops.Contains);
        return caps;
    }
}
