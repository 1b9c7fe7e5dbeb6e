using System.Text.Json;
using Skiff.Image;

namespace Skiff.Engine.Images;

/// <summary>
/// Applies Dockerfile-style <c>--change</c> instructions (CMD, ENTRYPOINT, ENV, EXPOSE, WORKDIR, USER, LABEL,
/// VOLUME, STOPSIGNAL) to an image's container config, as <c>podman import</c> and <c>commit</c> accept them.
/// </summary>
public static class ConfigChanges
{
    public static ContainerConfig Apply(ContainerConfig? config, IEnumerable<string> changes)
    {
        ContainerConfig c = config ?? new ContainerConfig();
        foreach (string change in changes)
        {
            c = ApplyOne(c, change);
        }
        return c;
    }

    private static ContainerConfig ApplyOne(ContainerConfig c, string change)
    {
        string trimmed = change.Trim();
        int split = trimmed.IndexOfAny([' ', '=', '\t']);
        if (split <= 0)
        {
            throw new InvalidChangeException(change, "expected INSTRUCTION VALUE");
        }
        string instruction = trimmed[..split].ToUpperInvariant();
        string value = trimmed[(split + 1)..].Trim();
        return instruction switch
        {
            "CMD" => c with { Cmd = CommandList(value) },
            "ENTRYPOINT" => c with { Entrypoint = CommandList(value) },
            "ENV" => c with { Env = SetEnv(c.Env, KeyValues(change, value)) },
            "EXPOSE" => c with { ExposedPorts = AddKeys(c.ExposedPorts, value.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(Port)) },
            "WORKDIR" => c with { WorkingDir = value },
            "USER" => c with { User = value },
            "LABEL" => c with { Labels = SetLabels(c.Labels, KeyValues(change, value)) },
            "VOLUME" => c with { Volumes = AddKeys(c.Volumes, JsonOrWords(value)) },
            "STOPSIGNAL" => c with { StopSignal = value },
            "ONBUILD" or "MAINTAINER" => c,
            _ => throw new InvalidChangeException(change, $"unsupported instruction \"{instruction}\""),
        };
    }

    /// <summary>JSON array = exec form; anything else is shell form run by <c>/bin/sh -c</c>.</summary>
    private static List<string> CommandList(string value) => TryJsonArray(value) ?? ["/bin/sh", "-c", value];

    private static List<string> JsonOrWords(string value) => TryJsonArray(value) ?? Words(value);

    private static List<string>? TryJsonArray(string value)
    {
        if (!value.StartsWith('['))
        {
            return null;
        }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(value);
            return doc.RootElement.ValueKind == JsonValueKind.Array
                ? doc.RootElement.EnumerateArray().Select(e => e.GetString() ?? "").ToList()
                : null;
        }
        catch (JsonException)
        {
            return null; // Not JSON after all: Docker falls back to the other form too.
        }
    }

    private static List<string> Words(string value) => value.Split(' ', StringSplitOptions.RemoveEmptyEntries).ToList();

    private static string Port(string p) => p.Contains('/') ? p : p + "/tcp";

    /// <summary>"k=v k2=v2" (quotes allowed) or the legacy "k v" form.</summary>
    private static List<KeyValuePair<string, string>> KeyValues(string change, string value)
    {
        var result = new List<KeyValuePair<string, string>>();
        if (!value.Contains('='))
        {
            int sp = value.IndexOf(' ');
            if (sp <= 0)
            {
                throw new InvalidChangeException(change, "expected KEY=VALUE");
            }
            result.Add(new(value[..sp], value[(sp + 1)..].Trim()));
            return result;
        }
        foreach (string token in ShellWords(value))
        {
            int eq = token.IndexOf('=');
            if (eq <= 0)
            {
                throw new InvalidChangeException(change, $"expected KEY=VALUE, got \"{token}\"");
            }
            result.Add(new(token[..eq], token[(eq + 1)..]));
        }
        return result;
    }

    private static IEnumerable<string> ShellWords(string s)
    {
        var current = new System.Text.StringBuilder();
        char quote = '\0';
        bool any = false;
        for (int i = 0; i < s.Length; i++)
        {
            char ch = s[i];
            if (quote != '\0')
            {
                if (ch == quote)
                {
                    quote = '\0';
                }
                else if (ch == '\\' && quote == '"' && i + 1 < s.Length)
                {
                    current.Append(s[++i]);
                }
                else
                {
                    current.Append(ch);
                }
            }
            else if (ch is '"' or '\'')
            {
                quote = ch;
                any = true;
            }
            else if (ch == '\\' && i + 1 < s.Length)
            {
                current.Append(s[++i]);
                any = true;
            }
            else if (char.IsWhiteSpace(ch))
            {
                if (any || current.Length > 0)
                {
                    yield return current.ToString();
                }
                current.Clear();
                any = false;
            }
            else
            {
                current.Append(ch);
            }
        }
        if (any || current.Length > 0)
        {
            yield return current.ToString();
        }
    }

    private static List<string> SetEnv(List<string>? env, List<KeyValuePair<string, string>> values)
    {
        var result = env is null ? new List<string>() : new List<string>(env);
        foreach ((string k, string v) in values)
        {
            result.RemoveAll(e => e == k || e.StartsWith(k + "=", StringComparison.Ordinal));
            result.Add($"{k}={v}");
        }
        return result;
    }

    private static Dictionary<string, string> SetLabels(Dictionary<string, string>? labels, List<KeyValuePair<string, string>> values)
    {
        var result = labels is null ? new Dictionary<string, string>() : new Dictionary<string, string>(labels);
        foreach ((string k, string v) in values)
        {
            result[k] = v;
        }
        return result;
    }

    private static Dictionary<string, EmptyObject> AddKeys(Dictionary<string, EmptyObject>? map, IEnumerable<string> keys)
    {
        var result = map is null ? new Dictionary<string, EmptyObject>() : new Dictionary<string, EmptyObject>(map);
        foreach (string k in keys)
        {
            result[k] = new EmptyObject();
        }
        return result;
    }
}

public sealed class InvalidChangeException : SkiffException
{
    public InvalidChangeException(string change, string reason) : base($"invalid change \"{change}\": {reason}") { }
}
