using System.Globalization;

namespace Skiff.Build.Copy;

/// <summary>Resolves <c>user[:group]</c> against a container's /etc/passwd and /etc/group, as Buildah does for --chown and --user.</summary>
internal static class UserLookup
{
    public static (uint Uid, uint Gid) Resolve(ContainerRoot root, string spec)
    {
        string user = spec;
        string? group = null;
        int colon = spec.IndexOf(':');
        if (colon >= 0)
        {
            user = spec[..colon];
            group = spec[(colon + 1)..];
        }
        uint uid;
        uint? primaryGid = null;
        if (TryNumber(user, out uid))
        {
            if (FindEntry(root.ReadText("etc/passwd"), e => e[2] == user) is { } byId && TryNumber(byId[3], out uint g))
            {
                primaryGid = g;
            }
        }
        else
        {
            string[] entry = FindEntry(root.ReadText("etc/passwd"), e => e[0] == user)
                ?? throw new BuildException($"looking up user \"{user}\": no such user in the container's /etc/passwd");
            if (!TryNumber(entry[2], out uid))
            {
                throw new BuildException($"looking up user \"{user}\": malformed /etc/passwd entry");
            }
            primaryGid = TryNumber(entry[3], out uint g) ? g : null;
        }
        uint gid;
        if (string.IsNullOrEmpty(group))
        {
            gid = colon >= 0 ? uid : primaryGid ?? uid;
        }
        else if (!TryNumber(group, out gid))
        {
            string[] entry = FindEntry(root.ReadText("etc/group"), e => e[0] == group)
                ?? throw new BuildException($"looking up group \"{group}\": no such group in the container's /etc/group");
            if (!TryNumber(entry[2], out gid))
            {
                throw new BuildException($"looking up group \"{group}\": malformed /etc/group entry");
            }
        }
        return (uid, gid);
    }

    /// <summary>The supplementary groups of a user, from /etc/group.</summary>
    public static List<uint> SupplementaryGroups(ContainerRoot root, string userName)
    {
        var result = new List<uint>();
        string? text = root.ReadText("etc/group");
        if (text is null)
        {
            return result;
        }
        foreach (string line in text.Split('\n'))
        {
            string[] f = line.Split(':');
            if (f.Length >= 4 && f[3].Split(',').Contains(userName) && TryNumber(f[2], out uint g))
            {
                result.Add(g);
            }
        }
        return result;
    }

    public static string? UserName(ContainerRoot root, uint uid) =>
        FindEntry(root.ReadText("etc/passwd"), e => e[2] == uid.ToString(CultureInfo.InvariantCulture))?[0];

    private static string[]? FindEntry(string? text, Func<string[], bool> match)
    {
        if (text is null)
        {
            return null;
        }
        foreach (string line in text.Split('\n'))
        {
            string[] fields = line.Split(':');
            if (fields.Length >= 4 && match(fields))
            {
                return fields;
            }
        }
        return null;
    }

    private static bool TryNumber(string s, out uint value) =>
        uint.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out value);
}
