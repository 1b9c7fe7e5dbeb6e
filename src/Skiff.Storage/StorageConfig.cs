namespace Skiff.Storage;

/// <summary>
/// Reads the [storage] table of storage.conf: only <c>driver</c>, <c>graphroot</c> and <c>runroot</c>, with a TOML
/// subset (tables, <c>key = "string"</c>, comments) that covers what containers-common ships.
/// </summary>
internal static class StorageConfig
{
    public const string EnvironmentVariable = "CONTAINERS_STORAGE_CONF";
    public const string EtcPath = "/etc/containers/storage.conf";
    public const string VendorPath = "/usr/share/containers/storage.conf";

    public static StoreOptions Load(string? graphRoot, string? runRoot, string? driver, Func<string, string?>? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariable;
        var options = new StoreOptions();
        string? env = environment(EnvironmentVariable);
        string? file = null;
        bool honourRoots = true;
        if (!string.IsNullOrEmpty(env) && File.Exists(env))
        {
            file = env;
        }
        else if (File.Exists(EtcPath))
        {
            file = EtcPath;
        }
        else if (File.Exists(VendorPath))
        {
            // The vendor file is Podman's and points at Podman's store; Skiff keeps its own roots by default.
            file = VendorPath;
            honourRoots = false;
        }

        if (file is not null)
        {
            Dictionary<string, string> values = ReadStorageTable(File.ReadAllText(file), file);
            options = options with { ConfigFile = file };
            if (values.TryGetValue("driver", out string? d) && d.Length > 0)
            {
                options = options with { Driver = d };
            }
            if (honourRoots && values.TryGetValue("graphroot", out string? g) && g.Length > 0)
            {
                options = options with { GraphRoot = g };
            }
            if (honourRoots && values.TryGetValue("runroot", out string? r) && r.Length > 0)
            {
                options = options with { RunRoot = r };
            }
        }

        if (!string.IsNullOrEmpty(graphRoot))
        {
            options = options with { GraphRoot = graphRoot };
        }
        if (!string.IsNullOrEmpty(runRoot))
        {
            options = options with { RunRoot = runRoot };
        }
        if (!string.IsNullOrEmpty(driver))
        {
            options = options with { Driver = driver };
        }
        if (options.Driver is not ("overlay" or "vfs"))
        {
            throw new StorageException($"storage driver \"{options.Driver}\" is not supported (use overlay or vfs)");
        }
        return options;
    }

    /// <summary>The string keys of the <c>[storage]</c> table (not of its sub-tables).</summary>
    public static Dictionary<string, string> ReadStorageTable(string text, string source)
    {
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        string? table = null;
        int lineNumber = 0;
        foreach (string rawLine in text.Split('\n'))
        {
            lineNumber++;
            string line = StripComment(rawLine).Trim();
            if (line.Length == 0)
            {
                continue;
            }
            if (line.StartsWith('['))
            {
                table = line.Trim('[', ']', ' ');
                continue;
            }
            if (table != "storage")
            {
                continue;
            }
            int eq = line.IndexOf('=');
            if (eq <= 0)
            {
                continue;
            }
            string key = line[..eq].Trim().Trim('"');
            string value = line[(eq + 1)..].Trim();
            if (value.Length >= 2 && (value[0] == '"' || value[0] == '\''))
            {
                char quote = value[0];
                int end = value.IndexOf(quote, 1);
                if (end < 0)
                {
                    throw new StorageException($"{source}:{lineNumber}: unterminated string for \"{key}\"");
                }
                values[key] = quote == '"' ? Unescape(value[1..end]) : value[1..end];
            }
        }
        return values;
    }

    private static string StripComment(string line)
    {
        bool inDouble = false, inSingle = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (c == '"' && !inSingle && (i == 0 || line[i - 1] != '\\'))
            {
                inDouble = !inDouble;
            }
            else if (c == '\'' && !inDouble)
            {
                inSingle = !inSingle;
            }
            else if (c == '#' && !inDouble && !inSingle)
            {
                return line[..i];
            }
        }
        return line;
    }

    private static string Unescape(string s) => s.Replace("\\\"", "\"").Replace("\\\\", "\\");
}
