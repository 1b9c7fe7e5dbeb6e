namespace Skiff.Build.Copy;

/// <summary>
/// .containerignore / .dockerignore: patterns of context paths that COPY and ADD leave out. A pattern matches a
/// path or any of its parent directories; <c>**</c> spans directories; <c>!pattern</c> re-includes; the last
/// matching pattern decides.
/// </summary>
public sealed class IgnoreFile
{
    private readonly List<(string[] Parts, bool Negated)> _patterns;

    private IgnoreFile(List<(string[], bool)> patterns) => _patterns = patterns;

    public static IgnoreFile Empty { get; } = new([]);

    public bool HasNegations => _patterns.Exists(p => p.Negated);

    public bool IsEmpty => _patterns.Count == 0;

    /// <summary>Reads <c>.containerignore</c> (preferred) or <c>.dockerignore</c> from the context, or an explicit file.</summary>
    public static IgnoreFile Load(string contextDir, string? path = null)
    {
        string? file = path ?? new[] { ".containerignore", ".dockerignore" }.Select(n => Path.Combine(contextDir, n)).FirstOrDefault(File.Exists);
        return file is null ? Empty : Parse(File.ReadAllText(file));
    }

    public static IgnoreFile Parse(string text)
    {
        var patterns = new List<(string[], bool)>();
        foreach (string raw in text.Split('\n'))
        {
            string line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }
            bool negated = line.StartsWith('!');
            if (negated)
            {
                line = line[1..].Trim();
            }
            string clean = Copy.ContainerRoot.Relative(line);
            if (clean.Length == 0)
            {
                continue;
            }
            patterns.Add((clean.Split('/'), negated));
        }
        return new IgnoreFile(patterns);
    }

    /// <summary>Whether the context-relative path is left out.</summary>
    public bool IsExcluded(string relativePath)
    {
        if (_patterns.Count == 0)
        {
            return false;
        }
        string[] path = Copy.ContainerRoot.Relative(relativePath).Split('/');
        bool excluded = false;
        foreach ((string[] parts, bool negated) in _patterns)
        {
            for (int n = path.Length; n >= 1; n--)
            {
                if (Match(parts, 0, path, 0, n))
                {
                    excluded = !negated;
                    break;
                }
            }
        }
        return excluded;
    }

    private static bool Match(string[] pattern, int pi, string[] path, int si, int length)
    {
        if (pi == pattern.Length)
        {
            return si == length;
        }
        if (pattern[pi] == "**")
        {
            for (int k = si; k <= length; k++)
            {
                if (Match(pattern, pi + 1, path, k, length))
                {
                    return true;
                }
            }
            return false;
        }
        return si < length && Glob.Match(pattern[pi], path[si]) && Match(pattern, pi + 1, path, si + 1, length);
    }
}
