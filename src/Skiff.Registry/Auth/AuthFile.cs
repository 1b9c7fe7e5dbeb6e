using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Image;

namespace Skiff.Registry.Auth;

/// <summary>
/// Podman's credential files: <c>auth.json</c> (<c>{"auths":{"host[/repo]":{"auth":"base64(user:pass)"}}}</c>) read
/// from podman's locations in order, and written to the first. Other keys in the file are kept as they are.
/// </summary>
public sealed class AuthFile
{
    private readonly RegistryOptions _options;

    public AuthFile(RegistryOptions options) => _options = options;

    /// <summary>The file login writes and logout edits.</summary>
    public string PrimaryPath
    {
        get
        {
            if (_options.AuthFile is { Length: > 0 } explicitPath)
            {
                return explicitPath;
            }
            if (_options.Environment("REGISTRY_AUTH_FILE") is { Length: > 0 } env)
            {
                return env;
            }
            if (Environment.IsPrivilegedProcess || _options.Environment("XDG_RUNTIME_DIR") is not { Length: > 0 })
            {
                return "/run/containers/0/auth.json";
            }
            return Path.Combine(_options.Environment("XDG_RUNTIME_DIR")!, "containers", "auth.json");
        }
    }

    /// <summary>Files searched for credentials, first match wins.</summary>
    public IEnumerable<string> SearchPaths
    {
        get
        {
            yield return PrimaryPath;
            if (_options.AuthFile is { Length: > 0 } || _options.Environment("REGISTRY_AUTH_FILE") is { Length: > 0 })
            {
                yield break;
            }
            string home = _options.Environment("HOME") ?? Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            string config = _options.Environment("XDG_CONFIG_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(home, ".config");
            yield return Path.Combine(config, "containers", "auth.json");
            yield return Path.Combine(home, ".docker", "config.json");
        }
    }

    /// <summary>
    /// Credentials for <paramref name="registry"/> (and, more specific first, <paramref name="repository"/>), or null.
    /// </summary>
    public RegistryCredentials? Find(string registry, string? repository = null)
    {
        foreach (string path in SearchPaths)
        {
            JsonObject? auths = ReadAuths(path);
            if (auths is null)
            {
                continue;
            }
            foreach (string key in Keys(registry, repository))
            {
                if (auths[key] is JsonObject entry && Decode(entry, path, key) is { } creds)
                {
                    return creds;
                }
            }
            // Docker writes Hub credentials under its v1 URL and some tools write "https://host".
            foreach ((string key, JsonNode? node) in auths)
            {
                if (NormalizeKey(key) == registry && node is JsonObject entry && Decode(entry, path, key) is { } creds)
                {
                    return creds;
                }
            }
        }
        return null;
    }

    /// <summary>The exact key podman uses: the registry, or registry/repository for a scoped login.</summary>
    private static IEnumerable<string> Keys(string registry, string? repository)
    {
        if (repository is not null)
        {
            string[] parts = repository.Split('/');
            for (int n = parts.Length; n >= 1; n--)
            {
                yield return registry + "/" + string.Join('/', parts.Take(n));
            }
        }
        yield return registry;
    }

    public static string NormalizeKey(string key)
    {
        string k = key;
        if (k.StartsWith("https://", StringComparison.Ordinal))
        {
            k = k["https://".Length..];
        }
        else if (k.StartsWith("http://", StringComparison.Ordinal))
        {
            k = k["http://".Length..];
        }
        int slash = k.IndexOf('/');
        if (slash >= 0 && (k[slash..] is "/v1/" or "/v2/" or "/v1" or "/v2"))
        {
            k = k[..slash];
        }
        return k is "index.docker.io" or "registry-1.docker.io" ? "docker.io" : k;
    }

    private static RegistryCredentials? Decode(JsonObject entry, string path, string key)
    {
        if (entry["auth"]?.GetValue<string>() is not { Length: > 0 } auth)
        {
            return null;
        }
        string plain;
        try
        {
            plain = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
        }
        catch (FormatException)
        {
            throw new SkiffException($"{path}: the credentials for \"{key}\" are not valid base64");
        }
        int colon = plain.IndexOf(':');
        if (colon < 0)
        {
            throw new SkiffException($"{path}: the credentials for \"{key}\" are not of the form user:password");
        }
        return new RegistryCredentials(plain[..colon], plain[(colon + 1)..]);
    }

    private static JsonObject? ReadAuths(string path)
    {
        JsonObject? root = ReadRoot(path);
        return root?["auths"] as JsonObject;
    }

    private static JsonObject? ReadRoot(string path)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        if (bytes.Length == 0)
        {
            return null;
        }
        try
        {
            return JsonNode.Parse(bytes) as JsonObject ?? throw new SkiffException($"{path}: not a JSON object");
        }
        catch (JsonException e)
        {
            throw new SkiffException($"{path}: invalid JSON: {e.Message}");
        }
    }

    /// <summary>Stores credentials for <paramref name="key"/> (registry or registry/repository) in the primary file.</summary>
    public void Store(string key, RegistryCredentials credentials)
    {
        string path = PrimaryPath;
        JsonObject root = ReadRoot(path) ?? [];
        if (root["auths"] is not JsonObject auths)
        {
            auths = [];
            root["auths"] = auths;
        }
        string encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes($"{credentials.Username}:{credentials.Password}"));
        auths[key] = new JsonObject { ["auth"] = encoded };
        Write(path, root);
    }

    /// <summary>Removes the entry for <paramref name="key"/>; false when there was none.</summary>
    public bool Remove(string key)
    {
        string path = PrimaryPath;
        JsonObject? root = ReadRoot(path);
        if (root?["auths"] is not JsonObject auths)
        {
            return false;
        }
        string? match = auths.Select(p => p.Key).FirstOrDefault(k => k == key || NormalizeKey(k) == key);
        if (match is null)
        {
            return false;
        }
        auths.Remove(match);
        Write(path, root);
        return true;
    }

    /// <summary>Removes every entry of the primary file (logout --all).</summary>
    public void RemoveAll()
    {
        string path = PrimaryPath;
        JsonObject? root = ReadRoot(path);
        if (root is null)
        {
            return;
        }
        root["auths"] = new JsonObject();
        Write(path, root);
    }

    /// <summary>Write-temp, fsync, rename, mode 0600: the file holds secrets.</summary>
    private static void Write(string path, JsonObject root)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(dir);
        string temp = Path.Combine(dir, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N"));
        try
        {
            using (var file = new FileStream(temp, new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite,
            }))
            {
                using (var writer = new Utf8JsonWriter(file, new JsonWriterOptions { Indented = true }))
                {
                    root.WriteTo(writer);
                }
                file.Write("\n"u8);
                file.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
        }
    }
}
