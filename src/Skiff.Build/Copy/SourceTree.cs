using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Build.Copy;

/// <summary>
/// Where COPY/ADD sources are read from: host paths (buildah copy), a build context (nothing may resolve outside
/// it), or another container's root (chroot semantics). Also expands globs.
/// </summary>
internal sealed class SourceTree : IDisposable
{
    private readonly SafeFileHandle? _base;
    private readonly ulong _resolve;
    private readonly string _baseDir;
    private readonly string _kind;

    private SourceTree(SafeFileHandle? handle, ulong resolve, string baseDir, string kind)
    {
        _base = handle;
        _resolve = resolve;
        _baseDir = baseDir;
        _kind = kind;
    }

    public static SourceTree Host(string workingDirectory) => new(null, 0, Path.GetFullPath(workingDirectory), "host");

    public static SourceTree Context(string contextDir)
    {
        string full = Path.GetFullPath(contextDir);
        return new(FileAt.OpenAt(null, full, FileAt.O_PATH | FileAt.O_DIRECTORY), FileAt.RESOLVE_BENEATH | FileAt.RESOLVE_NO_MAGICLINKS, full, "context");
    }

    public static SourceTree Rooted(string rootDir)
    {
        string full = Path.GetFullPath(rootDir);
        return new(FileAt.OpenAt(null, full, FileAt.O_PATH | FileAt.O_DIRECTORY), FileAt.RESOLVE_IN_ROOT | FileAt.RESOLVE_NO_MAGICLINKS, full, "container");
    }

    /// <summary>The path as this tree sees it: relative to the base for a context or container, absolute for host.</summary>
    private string Normalize(string path)
    {
        if (_base is null)
        {
            return Path.GetFullPath(path, _baseDir);
        }
        if (_kind == "context")
        {
            // A context path may not climb out lexically either: `COPY ../x` names a file outside it.
            int depth = 0;
            foreach (string part in path.Split('/'))
            {
                depth += part switch { "" or "." => 0, ".." => -1, _ => 1 };
                if (depth < 0)
                {
                    throw new BuildException($"forbidden path outside the build context: {path}");
                }
            }
        }
        string rel = ContainerRoot.Relative(path);
        return rel.Length == 0 ? "." : rel;
    }

    /// <summary>Opens a source (O_PATH), following symlinks as the tree allows.</summary>
    public SafeFileHandle Open(string path)
    {
        string p = Normalize(path);
        try
        {
            return _base is null
                ? FileAt.OpenAt(null, p, FileAt.O_PATH)
                : FileAt.OpenAt2(_base, p, FileAt.O_PATH, 0, _resolve);
        }
        catch (SystemCallException e) when (e.Errno == Errnos.EXDEV)
        {
            throw new BuildException($"copying \"{path}\": it resolves outside the build context", e);
        }
        catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
        {
            throw new BuildException($"checking on sources under \"{_baseDir}\": copier: stat: \"{Display(path)}\": no such file or directory", e);
        }
    }

    private static string Display(string path) => path.StartsWith('/') ? path : "/" + path;

    /// <summary>The paths a source pattern names: itself without glob characters, else every match (sorted).</summary>
    public List<string> Expand(string pattern)
    {
        if (!Glob.HasMeta(pattern))
        {
            return [pattern];
        }
        bool absolute = pattern.StartsWith('/');
        var results = new List<string> { absolute ? "/" : "" };
        foreach (string part in pattern.Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            var next = new List<string>();
            foreach (string prefix in results)
            {
                if (!Glob.HasMeta(part))
                {
                    next.Add(Join(prefix, part));
                    continue;
                }
                foreach (string name in ListNames(prefix).Where(n => Glob.Match(part, n)).Order(StringComparer.Ordinal))
                {
                    next.Add(Join(prefix, name));
                }
            }
            results = next;
        }
        if (results.Count == 0)
        {
            throw new BuildException($"checking on sources under \"{_baseDir}\": copier: stat: \"{Display(pattern)}\": no such file or directory");
        }
        return results;
    }

    private static string Join(string prefix, string name) => prefix.Length == 0 ? name : prefix.EndsWith('/') ? prefix + name : prefix + "/" + name;

    private List<string> ListNames(string dir)
    {
        try
        {
            using SafeFileHandle h = Open(dir.Length == 0 ? "." : dir);
            return Directory.EnumerateFileSystemEntries(FileAt.ProcPath(h, "")).Select(Path.GetFileName).OfType<string>().ToList();
        }
        catch (Exception e) when (e is BuildException or IOException)
        {
            return [];
        }
    }

    public void Dispose() => _base?.Dispose();
}

/// <summary>Shell glob matching of one path component: <c>*</c>, <c>?</c>, <c>[...]</c> (with <c>!</c>/<c>^</c> and ranges), <c>\</c> escapes.</summary>
internal static class Glob
{
    public static bool HasMeta(string s) => s.AsSpan().IndexOfAny("*?[") >= 0;

    public static bool Match(string pattern, string name) => Match(pattern, 0, name, 0);

    private static bool Match(string p, int pi, string s, int si)
    {
        while (pi < p.Length)
        {
            char c = p[pi];
            switch (c)
            {
                case '*':
                    for (int k = si; k <= s.Length; k++)
                    {
                        if (Match(p, pi + 1, s, k))
                        {
                            return true;
                        }
                    }
                    return false;
                case '?':
                    if (si >= s.Length)
                    {
                        return false;
                    }
                    pi++;
                    si++;
                    break;
                case '[':
                {
                    int end = p.IndexOf(']', pi + 2);
                    if (end < 0 || si >= s.Length)
                    {
                        return end < 0 && si < s.Length && s[si] == '[' && Match(p, pi + 1, s, si + 1);
                    }
                    string set = p[(pi + 1)..end];
                    bool negate = set.Length > 0 && set[0] is '!' or '^';
                    if (negate)
                    {
                        set = set[1..];
                    }
                    bool found = false;
                    for (int k = 0; k < set.Length; k++)
                    {
                        if (k + 2 < set.Length && set[k + 1] == '-')
                        {
                            found |= s[si] >= set[k] && s[si] <= set[k + 2];
                            k += 2;
                        }
                        else
                        {
                            found |= s[si] == set[k];
                        }
                    }
                    if (found == negate)
                    {
                        return false;
                    }
                    pi = end + 1;
                    si++;
                    break;
                }
                case '\\' when pi + 1 < p.Length:
                    if (si >= s.Length || s[si] != p[pi + 1])
                    {
                        return false;
                    }
                    pi += 2;
                    si++;
                    break;
                default:
                    if (si >= s.Length || s[si] != c)
                    {
                        return false;
                    }
                    pi++;
                    si++;
                    break;
            }
        }
        return si == s.Length;
    }
}
