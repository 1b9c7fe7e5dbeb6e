using System.Text.Json;

namespace Skiff.Runtime.Spec;

/// <summary>
/// Turns a containers-common seccomp profile (archMap, includes/excludes by capability and architecture) into the
/// OCI form runc takes, for this machine's architecture and the container's capabilities.
/// </summary>
public static class SeccompProfile
{
    public const string DefaultPath = "/usr/share/containers/seccomp.json";

    /// <summary>Reads and converts the profile; null when the default profile is not installed.</summary>
    public static JsonElement? Load(string path, IReadOnlyCollection<string> capabilities, bool isDefault)
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (Exception e) when (isDefault && e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (IOException e)
        {
            throw new RuntimeException($"reading seccomp profile {path}: {e.Message}", e);
        }
        try
        {
            return Convert(bytes, capabilities, NativeArch(), KernelVersion());
        }
        catch (JsonException e)
        {
            throw new RuntimeException($"seccomp profile {path} is not valid JSON: {e.Message}", e);
        }
    }

    /// <summary>The conversion, with architecture ("amd64") and kernel version given (for tests).</summary>
    public static JsonElement Convert(ReadOnlySpan<byte> profile, IReadOnlyCollection<string> capabilities, string goArch, Version kernel)
    {
        using JsonDocument doc = JsonDocument.Parse(profile.ToArray());
        JsonElement root = doc.RootElement;
        var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("defaultAction", root.GetProperty("defaultAction").GetString());
            if (root.TryGetProperty("defaultErrnoRet", out JsonElement der) && der.ValueKind == JsonValueKind.Number)
            {
                w.WriteNumber("defaultErrnoRet", der.GetUInt32());
            }
            w.WriteStartArray("architectures");
            string seccompArch = SeccompArch(goArch);
            if (root.TryGetProperty("archMap", out JsonElement archMap) && archMap.ValueKind == JsonValueKind.Array)
            {
                foreach (JsonElement a in archMap.EnumerateArray())
                {
                    if (a.GetProperty("architecture").GetString() != seccompArch)
                    {
                        continue;
                    }
                    w.WriteStringValue(seccompArch);
                    if (a.TryGetProperty("subArchitectures", out JsonElement subs) && subs.ValueKind == JsonValueKind.Array)
                    {
                        foreach (JsonElement s in subs.EnumerateArray())
                        {
                            w.WriteStringValue(s.GetString());
                        }
                    }
                }
            }
            w.WriteEndArray();
            w.WriteStartArray("syscalls");
            foreach (JsonElement call in root.GetProperty("syscalls").EnumerateArray())
            {
                if (!Applies(call, capabilities, goArch, kernel))
                {
                    continue;
                }
                w.WriteStartObject();
                w.WritePropertyName("names");
                call.GetProperty("names").WriteTo(w);
                w.WriteString("action", call.GetProperty("action").GetString());
                if (call.TryGetProperty("errnoRet", out JsonElement errno) && errno.ValueKind == JsonValueKind.Number)
                {
                    w.WriteNumber("errnoRet", errno.GetUInt32());
                }
                if (call.TryGetProperty("args", out JsonElement args) && args.ValueKind == JsonValueKind.Array && args.GetArrayLength() > 0)
                {
                    w.WriteStartArray("args");
                    foreach (JsonElement arg in args.EnumerateArray())
                    {
                        w.WriteStartObject();
                        w.WriteNumber("index", arg.GetProperty("index").GetUInt32());
                        w.WriteNumber("value", arg.GetProperty("value").GetUInt64());
                        w.WriteNumber("valueTwo", arg.TryGetProperty("valueTwo", out JsonElement v2) ? v2.GetUInt64() : 0);
                        w.WriteString("op", arg.GetProperty("op").GetString());
                        w.WriteEndObject();
                    }
                    w.WriteEndArray();
                }
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteEndObject();
        }
        using JsonDocument result = JsonDocument.Parse(buffer.ToArray());
        return result.RootElement.Clone();
    }

    private static bool Applies(JsonElement call, IReadOnlyCollection<string> capabilities, string goArch, Version kernel)
    {
        if (call.TryGetProperty("includes", out JsonElement inc) && inc.ValueKind == JsonValueKind.Object)
        {
            if (Strings(inc, "arches") is { Count: > 0 } arches && !arches.Contains(goArch))
            {
                return false;
            }
            // Every listed capability must be held.
            if (Strings(inc, "caps") is { Count: > 0 } caps && !caps.All(capabilities.Contains))
            {
                return false;
            }
            if (inc.TryGetProperty("minKernel", out JsonElement mk) && mk.GetString() is { Length: > 0 } min
                && Version.TryParse(min, out Version? minimum) && kernel < minimum)
            {
                return false;
            }
        }
        if (call.TryGetProperty("excludes", out JsonElement exc) && exc.ValueKind == JsonValueKind.Object)
        {
            if (Strings(exc, "arches") is { Count: > 0 } arches && arches.Contains(goArch))
            {
                return false;
            }
            if (Strings(exc, "caps") is { Count: > 0 } caps && caps.Any(capabilities.Contains))
            {
                return false;
            }
        }
        return true;
    }

    private static List<string>? Strings(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out JsonElement e) && e.ValueKind == JsonValueKind.Array
            ? e.EnumerateArray().Select(x => x.GetString() ?? "").ToList()
            : null;

    private static string SeccompArch(string goArch) => goArch switch
    {
        "amd64" => "SCMP_ARCH_X86_64",
        "arm64" => "SCMP_ARCH_AARCH64",
        "386" => "SCMP_ARCH_X86",
        "arm" => "SCMP_ARCH_ARM",
        "ppc64le" => "SCMP_ARCH_PPC64LE",
        "s390x" => "SCMP_ARCH_S390X",
        "riscv64" => "SCMP_ARCH_RISCV64",
        _ => "SCMP_ARCH_" + goArch.ToUpperInvariant(),
    };

    public static string NativeArch() => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        _ => "amd64",
    };

    private static Version KernelVersion()
    {
        try
        {
            string release = File.ReadAllText("/proc/sys/kernel/osrelease").Trim();
            int end = 0;
            int dots = 0;
            while (end < release.Length && (char.IsAsciiDigit(release[end]) || (release[end] == '.' && dots++ < 1)))
            {
                end++;
            }
            return Version.TryParse(release[..end], out Version? v) ? v : new Version(0, 0);
        }
        catch (IOException)
        {
            return new Version(0, 0);
        }
    }
}
