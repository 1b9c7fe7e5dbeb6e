using Skiff.Image;

namespace Skiff.Registry.Config;

/// <summary>One <c>[[registry]]</c> or <c>[[registry.mirror]]</c> entry of registries.conf (v2).</summary>
public sealed record RegistryEndpoint(string Location, bool Insecure);

/// <summary>One <c>[[registry]]</c> table: the names it matches (prefix) and where they really are.</summary>
public sealed record RegistryEntry
{
    public required string Prefix { get; init; }
    public required string Location { get; init; }
    public bool Insecure { get; init; }
    public bool Blocked { get; init; }
    public IReadOnlyList<RegistryEndpoint> Mirrors { get; init; } = [];

    /// <summary>Whether the entry's prefix matches a <c>domain/path</c> name (podman's prefix or <c>*.domain</c> rules).</summary>
    public bool Matches(string name)
    {
        if (Prefix.StartsWith("*.", StringComparison.Ordinal))
        {
            int slash = name.IndexOf('/');
            string host = slash < 0 ? name : name[..slash];
            return host.EndsWith(Prefix[1..], StringComparison.Ordinal);
        }
        return name == Prefix || (name.StartsWith(Prefix, StringComparison.Ordinal) && name[Prefix.Length] is '/' or ':' or '@');
    }

    /// <summary>Rewrites a name matched by the prefix to the same name at <paramref name="location"/>.</summary>
    public string Rewrite(string name, string location) =>
        Prefix.StartsWith("*.", StringComparison.Ordinal) ? name : location + name[Prefix.Length..];
}

/// <summary>
/// registries.conf v2 with its drop-ins (<c>registries.conf.d/*.conf</c>, in name order, later ones win):
/// unqualified-search-registries, [[registry]] (insecure, blocked, location, mirrors), [aliases], short-name-mode.
/// </summary>
public sealed class RegistriesConf
{
    public IReadOnlyList<string> UnqualifiedSearchRegistries { get; private set; } = [];
    public IReadOnlyList<RegistryEntry> Registries => _registries;
    public IReadOnlyDictionary<string, string> Aliases => _aliases;
    public string? ShortNameMode { get; private set; }

    private readonly List<RegistryEntry> _registries = [];
    private readonly Dictionary<string, string> _aliases = new(StringComparer.Ordinal);

    public static RegistriesConf Empty => new();

    /// <summary>
    /// Reads <paramref name="path"/> (default <c>CONTAINERS_REGISTRIES_CONF</c> or /etc/containers/registries.conf)
    /// and the <c>.d</c> directory next to it. Missing files are no error.
    /// </summary>
    public static RegistriesConf Load(string? path = null, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        path ??= environment("CONTAINERS_REGISTRIES_CONF") is { Length: > 0 } env ? env : "/etc/containers/registries.conf";
        var conf = new RegistriesConf();
        if (File.Exists(path))
        {
            conf.Apply(File.ReadAllText(path), path);
        }
        string dropIns = path.EndsWith(".conf", StringComparison.Ordinal) ? path[..^5] + ".conf.d" : path + ".d";
        if (Directory.Exists(dropIns))
        {
            foreach (string file in Directory.GetFiles(dropIns, "*.conf").Order(StringComparer.Ordinal))
            {
                conf.Apply(File.ReadAllText(file), file);
            }
        }
        return conf;
    }

    public static RegistriesConf Parse(string text, string path = "registries.conf")
    {
        var conf = new RegistriesConf();
        conf.Apply(text, path);
        return conf;
    }

    private void Apply(string text, string path)
    {
        Dictionary<string, object> root = MiniToml.Parse(text, path);
        if (root.TryGetValue("unqualified-search-registries", out object? search))
        {
            UnqualifiedSearchRegistries = Strings(search, path, "unqualified-search-registries");
        }
        else if (root.GetValueOrDefault("registries") is Dictionary<string, object> v1
                 && v1.GetValueOrDefault("search") is Dictionary<string, object> v1Search
                 && v1Search.GetValueOrDefault("registries") is { } v1List)
        {
            // Version 1 files: [registries.search] registries = [...]
            UnqualifiedSearchRegistries = Strings(v1List, path, "registries.search.registries");
        }
        if (root.GetValueOrDefault("short-name-mode") is string mode)
        {
            ShortNameMode = mode;
        }
        if (root.GetValueOrDefault("aliases") is Dictionary<string, object> aliases)
        {
            foreach ((string k, object v) in aliases)
            {
                _aliases[k] = v as string ?? throw new SkiffException($"{path}: alias \"{k}\" must be a string");
            }
        }
        if (root.GetValueOrDefault("registry") is List<object> entries)
        {
            foreach (Dictionary<string, object> e in entries.OfType<Dictionary<string, object>>())
            {
                RegistryEntry entry = ReadEntry(e, path);
                _registries.RemoveAll(r => r.Prefix == entry.Prefix);
                _registries.Add(entry);
            }
        }
    }

    private static RegistryEntry ReadEntry(Dictionary<string, object> e, string path)
    {
        string? location = e.GetValueOrDefault("location") as string;
        string? prefix = e.GetValueOrDefault("prefix") as string;
        if (string.IsNullOrEmpty(location) && string.IsNullOrEmpty(prefix))
        {
            throw new SkiffException($"{path}: a [[registry]] needs a location or a prefix");
        }
        var mirrors = new List<RegistryEndpoint>();
        if (e.GetValueOrDefault("mirror") is List<object> ms)
        {
            foreach (Dictionary<string, object> m in ms.OfType<Dictionary<string, object>>())
            {
                if (m.GetValueOrDefault("location") is not string ml || ml.Length == 0)
                {
                    throw new SkiffException($"{path}: a [[registry.mirror]] needs a location");
                }
                mirrors.Add(new RegistryEndpoint(ml.TrimEnd('/'), m.GetValueOrDefault("insecure") is true));
            }
        }
        return new RegistryEntry
        {
            Prefix = (string.IsNullOrEmpty(prefix) ? location! : prefix).TrimEnd('/'),
            Location = (location ?? prefix!).TrimEnd('/'),
            Insecure = e.GetValueOrDefault("insecure") is true,
            Blocked = e.GetValueOrDefault("blocked") is true,
            Mirrors = mirrors,
        };
    }

    private static List<string> Strings(object value, string path, string key) =>
        value is List<object> list && list.All(x => x is string)
            ? list.Cast<string>().ToList()
            : throw new SkiffException($"{path}: {key} must be an array of strings");

    /// <summary>The entry with the longest matching prefix for a <c>domain/path</c> name, or null.</summary>
    public RegistryEntry? Find(string name) =>
        _registries.Where(r => r.Matches(name)).OrderByDescending(r => r.Prefix.Length).FirstOrDefault();

    /// <summary>Whether the host (host[:port]) is marked insecure by its entry.</summary>
    public bool IsInsecure(string host) => Find(host)?.Insecure == true;

    /// <summary>
    /// Where to pull <paramref name="name"/> (a <c>domain/path</c>) from, in order: mirrors, then the location.
    /// Throws when the registry is blocked.
    /// </summary>
    public IReadOnlyList<(string Name, bool Insecure)> PullSources(string name)
    {
        RegistryEntry? entry = Find(name);
        if (entry is null)
        {
            return [(name, false)];
        }
        if (entry.Blocked)
        {
            throw new SkiffException($"registry {entry.Prefix} is blocked in registries.conf");
        }
        var result = entry.Mirrors.Select(m => (entry.Rewrite(name, m.Location), m.Insecure)).ToList();
        result.Add((entry.Rewrite(name, entry.Location), entry.Insecure));
        return result;
    }

    /// <summary>
    /// The fully qualified candidates podman tries for a short name: an alias if one matches, else the name under
    /// each unqualified-search registry.
    /// </summary>
    public IReadOnlyList<string> ResolveShortName(string shortName)
    {
        string name = shortName;
        string suffix = "";
        int at = name.IndexOf('@');
        if (at >= 0)
        {
            suffix = name[at..];
            name = name[..at];
        }
        int colon = name.LastIndexOf(':');
        if (colon > name.LastIndexOf('/'))
        {
            suffix = name[colon..] + suffix;
            name = name[..colon];
        }
        if (_aliases.TryGetValue(name, out string? alias))
        {
            return [alias + suffix];
        }
        return UnqualifiedSearchRegistries.Select(r => $"{r}/{shortName}").ToList();
    }
}
