using System.Text;
using System.Text.Json;
using Skiff.Image;

namespace Skiff.Build.Containers;

/// <summary>
/// The changes of one <c>buildah config</c>: null leaves a field alone. List-valued options apply in order;
/// <c>KEY-</c> removes an entry and <c>-</c> alone clears the list, as in Buildah.
/// </summary>
public sealed record ConfigEdit
{
    public string? Cmd { get; init; }
    public string? Entrypoint { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public IReadOnlyList<string> Ports { get; init; } = [];
    public IReadOnlyList<string> Labels { get; init; } = [];
    public IReadOnlyList<string> Annotations { get; init; } = [];
    public IReadOnlyList<string> Volumes { get; init; } = [];
    public IReadOnlyList<string> OnBuild { get; init; } = [];
    public string? Author { get; init; }
    public string? CreatedBy { get; init; }
    public string? WorkingDir { get; init; }
    public string? User { get; init; }
    public string? StopSignal { get; init; }
    public string? Shell { get; init; }
    public string? Os { get; init; }
    public string? Arch { get; init; }
    public string? Variant { get; init; }
    public string? Comment { get; init; }
    public string? HistoryComment { get; init; }

    /// <summary><c>CMD ...</c>, <c>CMD-SHELL ...</c> (a bare command is CMD-SHELL), or <c>NONE</c>; Docker format only.</summary>
    public string? Healthcheck { get; init; }
    public string? HealthcheckInterval { get; init; }
    public string? HealthcheckTimeout { get; init; }
    public string? HealthcheckStartPeriod { get; init; }
    public int? HealthcheckRetries { get; init; }

    /// <summary>Environment lookup for <c>--env NAME</c> without a value (the caller's environment).</summary>
    public Func<string, string?>? HostEnvironment { get; init; }
}

/// <summary>Applies <see cref="ConfigEdit"/>s to a builder's state.</summary>
public static class ConfigEditor
{
    public static BuilderState Apply(BuilderState state, ConfigEdit edit)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentNullException.ThrowIfNull(edit);
        ImageConfig image = ImageConfig.Parse(Encoding.UTF8.GetBytes(state.Config));
        ContainerConfig c = image.Config ?? new ContainerConfig();

        if (edit.Cmd is not null)
        {
            c = c with { Cmd = edit.Cmd.Length == 0 ? null : ParseCommand(edit.Cmd, "cmd") };
        }
        if (edit.Entrypoint is not null)
        {
            c = c with
            {
                Entrypoint = edit.Entrypoint.Length == 0 ? null
                    : edit.Entrypoint.TrimStart().StartsWith('[') ? ParseJsonArray(edit.Entrypoint, "entrypoint")
                    : ["/bin/sh", "-c", edit.Entrypoint],
            };
        }
        if (edit.Env.Count > 0)
        {
            c = c with { Env = EditEnv(c.Env, edit.Env, edit.HostEnvironment ?? Environment.GetEnvironmentVariable) };
        }
        if (edit.Ports.Count > 0)
        {
            c = c with { ExposedPorts = EditSet(c.ExposedPorts, edit.Ports) };
        }
        if (edit.Volumes.Count > 0)
        {
            c = c with { Volumes = EditSet(c.Volumes, edit.Volumes) };
        }
        if (edit.Labels.Count > 0)
        {
            c = c with { Labels = EditMap(c.Labels, edit.Labels, "label") };
        }
        if (edit.WorkingDir is not null)
        {
            c = c with { WorkingDir = edit.WorkingDir };
        }
        if (edit.User is not null)
        {
            c = c with { User = edit.User };
        }
        if (edit.StopSignal is not null)
        {
            c = c with { StopSignal = edit.StopSignal.Length == 0 ? null : NormalizeSignal(edit.StopSignal) };
        }

        image = image with
        {
            Config = c,
            Author = edit.Author ?? image.Author,
            Os = edit.Os ?? image.Os,
            Architecture = edit.Arch ?? image.Architecture,
            Variant = edit.Variant ?? image.Variant,
        };
        BuilderState next = state with { Config = Encoding.UTF8.GetString(image.ToJson()) };
        if (edit.Annotations.Count > 0)
        {
            next = next with { ImageAnnotations = EditMap(next.ImageAnnotations, edit.Annotations, "annotation") ?? [] };
        }
        if (edit.CreatedBy is not null)
        {
            next = next with { ImageCreatedBy = edit.CreatedBy };
        }
        if (edit.HistoryComment is not null)
        {
            next = next with { HistoryComment = edit.HistoryComment };
        }
        if (edit.Comment is not null)
        {
            next = next with { DockerComment = edit.Comment };
        }
        if (edit.Shell is not null)
        {
            next = next with { Shell = edit.Shell.Length == 0 ? null : ParseCommand(edit.Shell, "shell") };
        }
        if (edit.Healthcheck is not null || edit.HealthcheckInterval is not null || edit.HealthcheckTimeout is not null
            || edit.HealthcheckStartPeriod is not null || edit.HealthcheckRetries is not null)
        {
            next = next with { Healthcheck = Healthcheck(next.Healthcheck, edit) };
        }
        if (edit.OnBuild.Count > 0)
        {
            next = next with { OnBuild = [.. next.OnBuild ?? [], .. edit.OnBuild] };
        }
        return next;
    }

    /// <summary>A JSON array as is, else the words of the string split as a shell would (quotes, backslashes).</summary>
    public static List<string> ParseCommand(string value, string option) =>
        value.TrimStart().StartsWith('[') ? ParseJsonArray(value, option) : ShellWords.Split(value);

    private static List<string> ParseJsonArray(string value, string option)
    {
        try
        {
            using JsonDocument doc = JsonDocument.Parse(value);
            if (doc.RootElement.ValueKind == JsonValueKind.Array && doc.RootElement.EnumerateArray().All(e => e.ValueKind == JsonValueKind.String))
            {
                return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToList();
            }
        }
        catch (JsonException)
        {
        }
        throw new BuildException($"invalid --{option} value {value}: a JSON array must hold only strings");
    }

    private static List<string>? EditEnv(List<string>? current, IReadOnlyList<string> edits, Func<string, string?> host)
    {
        var env = new List<string>(current ?? []);
        foreach (string e in edits)
        {
            if (e == "-")
            {
                env.Clear();
                continue;
            }
            int eq = e.IndexOf('=');
            if (eq < 0 && e.EndsWith('-'))
            {
                string key = e[..^1];
                env.RemoveAll(x => KeyOf(x) == key);
                continue;
            }
            string entry = e;
            if (eq < 0)
            {
                // NAME alone takes the caller's value, as Buildah does; unset means nothing to add.
                string? value = host(e);
                if (value is null)
                {
                    continue;
                }
                entry = $"{e}={value}";
            }
            else if (eq == 0)
            {
                throw new BuildException($"invalid --env value \"{e}\": the name is empty");
            }
            string k = KeyOf(entry);
            int index = env.FindIndex(x => KeyOf(x) == k);
            if (index >= 0)
            {
                env[index] = entry;
            }
            else
            {
                env.Add(entry);
            }
        }
        return env.Count == 0 ? null : env;
    }

    private static string KeyOf(string entry)
    {
        int eq = entry.IndexOf('=');
        return eq < 0 ? entry : entry[..eq];
    }

    private static Dictionary<string, EmptyObject>? EditSet(Dictionary<string, EmptyObject>? current, IReadOnlyList<string> edits)
    {
        var set = new Dictionary<string, EmptyObject>(current ?? [], StringComparer.Ordinal);
        foreach (string e in edits)
        {
            if (e == "-")
            {
                set.Clear();
            }
            else if (e.EndsWith('-'))
            {
                set.Remove(e[..^1]);
            }
            else if (e.Length > 0)
            {
                set[e] = new EmptyObject();
            }
        }
        // Go writes map keys sorted; so do we, so configs compare byte for byte with Buildah's.
        return set.Count == 0 ? null : set.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
    }

    private static Dictionary<string, string>? EditMap(Dictionary<string, string>? current, IReadOnlyList<string> edits, string option)
    {
        var map = new Dictionary<string, string>(current ?? [], StringComparer.Ordinal);
        foreach (string e in edits)
        {
            int eq = e.IndexOf('=');
            if (e == "-")
            {
                map.Clear();
            }
            else if (eq < 0 && e.EndsWith('-'))
            {
                map.Remove(e[..^1]);
            }
            else if (eq == 0)
            {
                throw new BuildException($"invalid --{option} value \"{e}\": the key is empty");
            }
            else if (eq < 0)
            {
                map[e] = "";
            }
            else
            {
                map[e[..eq]] = e[(eq + 1)..];
            }
        }
        return map.Count == 0 ? null : map.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal);
    }

    private static JsonElement? Healthcheck(JsonElement? current, ConfigEdit edit)
    {
        List<string>? test = null;
        long interval = 0, timeout = 0, start = 0;
        int retries = 0;
        if (current is { ValueKind: JsonValueKind.Object } c)
        {
            if (c.TryGetProperty("Test", out JsonElement t) && t.ValueKind == JsonValueKind.Array)
            {
                test = t.EnumerateArray().Select(e => e.GetString() ?? "").ToList();
            }
            interval = c.TryGetProperty("Interval", out JsonElement i) && i.TryGetInt64(out long iv) ? iv : 0;
            timeout = c.TryGetProperty("Timeout", out JsonElement o) && o.TryGetInt64(out long ov) ? ov : 0;
            start = c.TryGetProperty("StartPeriod", out JsonElement s) && s.TryGetInt64(out long sv) ? sv : 0;
            retries = c.TryGetProperty("Retries", out JsonElement r) && r.TryGetInt32(out int rv) ? rv : 0;
        }
        if (edit.Healthcheck is { } hc)
        {
            string trimmed = hc.Trim();
            if (trimmed.Length == 0)
            {
                return null;
            }
            test = trimmed.Equals("NONE", StringComparison.OrdinalIgnoreCase) ? ["NONE"]
                : trimmed.StartsWith("CMD-SHELL ", StringComparison.Ordinal) ? ["CMD-SHELL", trimmed["CMD-SHELL ".Length..]]
                : trimmed.StartsWith("CMD ", StringComparison.Ordinal) ? ["CMD", .. ParseCommand(trimmed[4..], "healthcheck")]
                : ["CMD-SHELL", trimmed];
        }
        interval = edit.HealthcheckInterval is { } iv2 ? GoDuration(iv2, "healthcheck-interval") : interval;
        timeout = edit.HealthcheckTimeout is { } tv2 ? GoDuration(tv2, "healthcheck-timeout") : timeout;
        start = edit.HealthcheckStartPeriod is { } sv2 ? GoDuration(sv2, "healthcheck-start-period") : start;
        retries = edit.HealthcheckRetries ?? retries;
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteStartArray("Test");
            foreach (string part in test ?? [])
            {
                w.WriteStringValue(part);
            }
            w.WriteEndArray();
            // Docker's HealthConfig leaves zero values out (omitempty).
            foreach ((string name, long value) in new[] { ("Interval", interval), ("Timeout", timeout), ("StartPeriod", start), ("Retries", (long)retries) })
            {
                if (value != 0)
                {
                    w.WriteNumber(name, value);
                }
            }
            w.WriteEndObject();
        }
        using JsonDocument doc = JsonDocument.Parse(buffer.WrittenMemory);
        return doc.RootElement.Clone();
    }

    /// <summary>A Go duration (<c>30s</c>, <c>1m30s</c>, <c>500ms</c>) in nanoseconds.</summary>
    internal static long GoDuration(string value, string option)
    {
        long total = 0;
        int i = 0;
        string v = value.Trim();
        if (v == "0")
        {
            return 0;
        }
        while (i < v.Length)
        {
            int start = i;
            while (i < v.Length && (char.IsAsciiDigit(v[i]) || v[i] == '.'))
            {
                i++;
            }
            int unitStart = i;
            while (i < v.Length && char.IsAsciiLetter(v[i]))
            {
                i++;
            }
            if (start == unitStart || !double.TryParse(v[start..unitStart], System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double n))
            {
                throw new BuildException($"invalid --{option} value \"{value}\": expected a duration such as 30s or 1m30s");
            }
            double unit = v[unitStart..i] switch
            {
                "ns" => 1, "us" or "µs" => 1e3, "ms" => 1e6, "s" => 1e9, "m" => 60e9, "h" => 3600e9,
                _ => throw new BuildException($"invalid --{option} value \"{value}\": unknown unit \"{v[unitStart..i]}\""),
            };
            total += (long)(n * unit);
        }
        return total;
    }

    private static string NormalizeSignal(string signal)
    {
        if (int.TryParse(signal, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int n) && n is > 0 and < 65)
        {
            return signal;
        }
        string upper = signal.ToUpperInvariant();
        return upper.StartsWith("SIG", StringComparison.Ordinal) ? upper : "SIG" + upper;
    }
}
