namespace Skiff.Archive;

/// <summary>Lexical cleaning of layer paths, the first half of chroot semantics (the second is openat2 RESOLVE_IN_ROOT).</summary>
internal static class LayerPath
{
    /// <summary>
    /// Cleans <paramref name="name"/> to a relative path ("" is the root) or returns null when it climbs above the
    /// root with <c>..</c>. A leading <c>/</c> means the root. NUL bytes are reported as null too (not a valid name).
    /// </summary>
    public static string? Clean(string name)
    {
        if (name.Contains('\0'))
        {
            return null;
        }
        List<string> parts = [];
        foreach (string part in name.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }
                parts.RemoveAt(parts.Count - 1);
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    public static (string Parent, string Leaf) Split(string rel)
    {
        int slash = rel.LastIndexOf('/');
        return slash < 0 ? ("", rel) : (rel[..slash], rel[(slash + 1)..]);
    }

    public static string Join(string parent, string leaf) => parent.Length == 0 ? leaf : $"{parent}/{leaf}";
}
