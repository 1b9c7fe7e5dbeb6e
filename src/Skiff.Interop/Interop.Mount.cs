using System.Runtime.InteropServices;

namespace Skiff.Interop;

internal static partial class Libc
{
    [LibraryImport(Name, EntryPoint = "mount", SetLastError = true)]
    internal static unsafe partial int Mount(byte* source, byte* target, byte* fstype, ulong flags, byte* data);

    [LibraryImport(Name, EntryPoint = "umount2", SetLastError = true)]
    internal static unsafe partial int Umount2(byte* target, int flags);
}

/// <summary>mount(2) and umount2(2).</summary>
public static class Mounts
{
    public const ulong MS_RDONLY = 0x1;
    public const ulong MS_NOSUID = 0x2;
    public const ulong MS_NODEV = 0x4;
    public const ulong MS_NOEXEC = 0x8;
    public const ulong MS_REMOUNT = 0x20;
    public const ulong MS_BIND = 0x1000;
    public const ulong MS_REC = 0x4000;
    public const ulong MS_PRIVATE = 0x40000;
    public const ulong MS_SLAVE = 0x80000;

    public const int MNT_FORCE = 1;
    public const int MNT_DETACH = 2;

    /// <summary>Mounts <paramref name="source"/> on <paramref name="target"/>. <paramref name="data"/> is the file system's option string.</summary>
    public static unsafe void Mount(string source, string target, string? fsType, ulong flags, string? data)
    {
        byte[] s = Libc.Utf8z(source);
        byte[] t = Libc.Utf8z(target);
        byte[]? f = fsType is null ? null : Libc.Utf8z(fsType);
        byte[]? d = data is null ? null : Libc.Utf8z(data);
        fixed (byte* ps = s)
        fixed (byte* pt = t)
        fixed (byte* pf = f)
        fixed (byte* pd = d)
        {
            Errnos.Check(Libc.Mount(ps, pt, pf, flags, pd), "mount", target);
        }
    }

    /// <summary>umount2(2); <paramref name="flags"/> is 0, MNT_FORCE or MNT_DETACH.</summary>
    public static unsafe void Unmount(string target, int flags = 0)
    {
        byte[] t = Libc.Utf8z(target);
        fixed (byte* pt = t)
        {
            int r;
            do
            {
                r = Libc.Umount2(pt, flags);
            }
            while (r < 0 && Marshal.GetLastPInvokeError() == Errnos.EINTR);
            Errnos.Check(r, "umount", target);
        }
    }

    /// <summary>Mount points (unescaped) currently visible to this process, from /proc/self/mountinfo.</summary>
    public static IReadOnlyList<string> ListMountPoints()
    {
        var result = new List<string>();
        foreach (string line in File.ReadLines("/proc/self/mountinfo"))
        {
            string[] fields = line.Split(' ');
            if (fields.Length > 4)
            {
                result.Add(Unescape(fields[4]));
            }
        }
        return result;
    }

    // mountinfo escapes space, tab, newline and backslash as \ooo octal.
    private static string Unescape(string s)
    {
        if (!s.Contains('\\'))
        {
            return s;
        }
        var sb = new System.Text.StringBuilder(s.Length);
        for (int i = 0; i < s.Length; i++)
        {
            if (s[i] == '\\' && IsOctal(s, i + 1))
            {
                sb.Append((char)Convert.ToInt32(s.Substring(i + 1, 3), 8));
                i += 3;
            }
            else
            {
                sb.Append(s[i]);
            }
        }
        return sb.ToString();
    }

    private static bool IsOctal(string s, int start) =>
        start + 3 <= s.Length && s[start] is >= '0' and <= '7' && s[start + 1] is >= '0' and <= '7' && s[start + 2] is >= '0' and <= '7';
}
