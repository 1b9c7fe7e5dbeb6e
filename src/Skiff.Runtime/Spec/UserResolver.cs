using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Runtime.Spec;

/// <summary>A user resolved inside a container: ids, supplementary groups and home.</summary>
public sealed record ResolvedUser(uint Uid, uint Gid, IReadOnlyList<uint> AdditionalGids, string Home);

/// <summary>
/// Resolves "user[:group]" (names or numbers) against the container's /etc/passwd and /etc/group, read with
/// chroot semantics (openat2 RESOLVE_IN_ROOT), so a symlinked /etc/passwd cannot point at the host's.
/// </summary>
public static class UserResolver
{
    public static ResolvedUser Resolve(string rootfs, string? user)
    {
        string spec = string.IsNullOrEmpty(user) ? "0" : user;
        string userPart = spec;
        string? groupPart = null;
        int colon = spec.IndexOf(':', StringComparison.Ordinal);
        if (colon >= 0)
        {
            userPart = spec[..colon];
            groupPart = spec[(colon + 1)..];
        }
        List<string[]> passwd = ReadTable(rootfs, "etc/passwd");
        List<string[]> groups = ReadTable(rootfs, "etc/group");

        uint uid;
        uint gid;
        string home = "/";
        string? userName = null;
        string[]? entry = passwd.Find(p => p.Length >= 6 && p[0] == userPart);
        if (entry is null && uint.TryParse(userPart, NumberStyles.None, CultureInfo.InvariantCulture, out uint numeric))
        {
            uid = numeric;
            entry = passwd.Find(p => p.Length >= 6 && p[2] == userPart);
            gid = entry is not null && uint.TryParse(entry[3], NumberStyles.None, CultureInfo.InvariantCulture, out uint g0) ? g0 : 0;
        }
        else if (entry is not null)
        {
            uid = uint.Parse(entry[2], CultureInfo.InvariantCulture);
            gid = uint.Parse(entry[3], CultureInfo.InvariantCulture);
        }
        else
        {
            throw new RuntimeException($"unable to find user {userPart}: no matching entries in passwd file");
        }
        if (entry is not null)
        {
            userName = entry[0];
            home = entry[5].Length > 0 ? entry[5] : "/";
        }

        if (!string.IsNullOrEmpty(groupPart))
        {
            string[]? g = groups.Find(x => x.Length >= 3 && x[0] == groupPart);
            if (g is not null)
            {
                gid = uint.Parse(g[2], CultureInfo.InvariantCulture);
            }
            else if (uint.TryParse(groupPart, NumberStyles.None, CultureInfo.InvariantCulture, out uint ng))
            {
                gid = ng;
            }
            else
            {
                throw new RuntimeException($"unable to find group {groupPart}: no matching entries in group file");
            }
        }

        var extra = new List<uint>();
        if (userName is not null)
        {
            foreach (string[] g in groups)
            {
                if (g.Length >= 4 && g[3].Split(',').Contains(userName)
                    && uint.TryParse(g[2], NumberStyles.None, CultureInfo.InvariantCulture, out uint sg) && sg != gid && !extra.Contains(sg))
                {
                    extra.Add(sg);
                }
            }
        }
        return new ResolvedUser(uid, gid, extra, home);
    }

    private static List<string[]> ReadTable(string rootfs, string relative)
    {
        var rows = new List<string[]>();
        try
        {
            using SafeFileHandle root = FileAt.OpenAt(null, rootfs, FileAt.O_PATH | FileAt.O_DIRECTORY);
            using SafeFileHandle file = FileAt.OpenAt2(root, relative, FileAt.O_RDONLY, 0, FileAt.RESOLVE_IN_ROOT);
            using var stream = new FileStream(file, FileAccess.Read);
            using var reader = new StreamReader(stream);
            while (reader.ReadLine() is { } line)
            {
                if (line.Length > 0 && line[0] != '#')
                {
                    rows.Add(line.Split(':'));
                }
            }
        }
        catch (SystemCallException)
        {
            // No passwd/group in the image: only numeric ids resolve.
        }
        return rows;
    }
}
