using System.Runtime.InteropServices;
using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>An OCI platform (os/architecture/variant) with Go's naming, as image indexes carry it.</summary>
public sealed record Platform
{
    [JsonPropertyName("architecture")] public string Architecture { get; init; } = "";
    [JsonPropertyName("os")] public string Os { get; init; } = "";
    [JsonPropertyName("os.version"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? OsVersion { get; init; }
    [JsonPropertyName("os.features"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? OsFeatures { get; init; }
    [JsonPropertyName("variant"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Variant { get; init; }

    /// <summary>The platform of the running process, in Go's GOOS/GOARCH vocabulary.</summary>
    public static Platform Current { get; } = new()
    {
        Os = "linux",
        Architecture = GoArch(RuntimeInformation.OSArchitecture),
        Variant = RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "v8" : null,
    };

    public static string GoArch(Architecture arch) => arch switch
    {
        System.Runtime.InteropServices.Architecture.X64 => "amd64",
        System.Runtime.InteropServices.Architecture.Arm64 => "arm64",
        System.Runtime.InteropServices.Architecture.Arm => "arm",
        System.Runtime.InteropServices.Architecture.X86 => "386",
        System.Runtime.InteropServices.Architecture.S390x => "s390x",
        System.Runtime.InteropServices.Architecture.Ppc64le => "ppc64le",
        System.Runtime.InteropServices.Architecture.RiscV64 => "riscv64",
        _ => arch.ToString().ToLowerInvariant(),
    };

    /// <summary>Parses "os/arch[/variant]" as <c>--platform</c> takes it.</summary>
    public static Platform Parse(string value)
    {
        string[] parts = value.Split('/');
        if (parts.Length is < 2 or > 3 || parts.Any(string.IsNullOrEmpty))
        {
            throw new ReferenceFormatException($"invalid platform \"{value}\": expected os/arch[/variant]");
        }
        return new Platform { Os = parts[0], Architecture = parts[1], Variant = parts.Length == 3 ? parts[2] : null };
    }

    /// <summary>
    /// Whether an index entry for <paramref name="candidate"/> can run as this platform. A missing
    /// variant on either side matches, since most indexes omit it for the default variant.
    /// </summary>
    public bool Matches(Platform candidate) =>
        string.Equals(Os, candidate.Os, StringComparison.Ordinal)
        && string.Equals(Architecture, candidate.Architecture, StringComparison.Ordinal)
        && (string.IsNullOrEmpty(Variant) || string.IsNullOrEmpty(candidate.Variant) || Variant == candidate.Variant);

    public override string ToString() => Variant is null ? $"{Os}/{Architecture}" : $"{Os}/{Architecture}/{Variant}";
}
