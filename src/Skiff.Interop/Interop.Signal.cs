using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "kill", SetLastError = true)]
    internal static partial int Kill(int pid, int signal);

    internal const int SIG_UNBLOCK = 1;

    [LibraryImport(Name, EntryPoint = "sigemptyset")]
    internal static unsafe partial int SigEmptySet(byte* set);

    [LibraryImport(Name, EntryPoint = "sigaddset")]
    internal static unsafe partial int SigAddSet(byte* set, int signal);

    [LibraryImport(Name, EntryPoint = "pthread_sigmask")]
    internal static unsafe partial int PthreadSigmask(int how, byte* set, byte* oldset);
}

/// <summary>kill(2) and signal names as podman spells them.</summary>
public static class Signals
{
    public const int SIGHUP = 1;
    public const int SIGINT = 2;
    public const int SIGQUIT = 3;
    public const int SIGKILL = 9;
    public const int SIGTERM = 15;
    public const int SIGWINCH = 28;

    private const int ESRCH = 3;
    private const int SIGCHLD = 17;

    /// <summary>
    /// Unblocks SIGCHLD on the calling thread. A parent may start us with it blocked (conmon does, for its exit
    /// command); .NET learns that a child exited only through SIGCHLD, so without this every wait for a child hangs.
    /// </summary>
    public static unsafe void UnblockChildSignal()
    {
        byte* set = stackalloc byte[128];
        Libc.SigEmptySet(set);
        Libc.SigAddSet(set, SIGCHLD);
        Libc.PthreadSigmask(Libc.SIG_UNBLOCK, set, null);
    }

    /// <summary>Sends a signal; false when the process does not exist.</summary>
    public static bool Kill(int pid, int signal)
    {
        if (Libc.Kill(pid, signal) == 0)
        {
            return true;
        }
        int errno = Marshal.GetLastPInvokeError();
        if (errno == ESRCH)
        {
            return false;
        }
        throw new SystemCallException("kill", errno, null);
    }

    /// <summary>Whether a process with this pid exists (signal 0); EPERM counts as alive.</summary>
    public static bool IsAlive(int pid)
    {
        if (pid <= 0)
        {
            return false;
        }
        if (Libc.Kill(pid, 0) == 0)
        {
            return true;
        }
        return Marshal.GetLastPInvokeError() != ESRCH;
    }

    private static readonly string[] s_names =
    [
        "", "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2", "PIPE", "ALRM",
        "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG", "XCPU", "XFSZ", "VTALRM", "PROF",
        "WINCH", "IO", "PWR", "SYS",
    ];

    /// <summary>"TERM", "SIGTERM", "15", "RTMIN+3" or "SIGRTMIN+3" to a number; null when unknown.</summary>
    public static int? Parse(string value)
    {
        string s = value.Trim().ToUpperInvariant();
        if (int.TryParse(s, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n))
        {
            return n is > 0 and <= 64 ? n : null;
        }
        if (s.StartsWith("SIG", StringComparison.Ordinal))
        {
            s = s[3..];
        }
        int index = Array.IndexOf(s_names, s);
        if (index > 0)
        {
            return index;
        }
        if (s == "IOT")
        {
            return 6;
        }
        if (s == "CLD")
        {
            return 17;
        }
        if (s == "POLL")
        {
            return 29;
        }
        const int rtmin = 34;
        const int rtmax = 64;
        if (s == "RTMIN")
        {
            return rtmin;
        }
        if (s == "RTMAX")
        {
            return rtmax;
        }
        if (s.StartsWith("RTMIN+", StringComparison.Ordinal) && int.TryParse(s[6..], System.Globalization.CultureInfo.InvariantCulture, out int plus) && rtmin + plus <= rtmax)
        {
            return rtmin + plus;
        }
        if (s.StartsWith("RTMAX-", StringComparison.Ordinal) && int.TryParse(s[6..], System.Globalization.CultureInfo.InvariantCulture, out int minus) && rtmax - minus >= rtmin)
        {
            return rtmax - minus;
        }
        return null;
    }
}
