using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Build.Containers;

/// <summary>
/// What a working container remembers between commands, kept as the store container's metadata JSON: the
/// image it came from and the image config being edited. Field names follow Buildah's builder JSON.
/// </summary>
public sealed record BuilderState
{
    public const string TypeValue = "buildah 0.0.1";

    public string Type { get; init; } = TypeValue;
    public string FromImage { get; init; } = "";
    [JsonPropertyName("FromImageID")] public string FromImageId { get; init; } = "";
    public string FromImageDigest { get; init; } = "";
    public string Container { get; init; } = "";
    [JsonPropertyName("ContainerID")] public string ContainerId { get; init; } = "";

    /// <summary>The OCI image config as edited so far (base image's, plus `config` changes).</summary>
    public string Config { get; init; } = "{}";

    public Dictionary<string, string> ImageAnnotations { get; init; } = [];
    public string ImageCreatedBy { get; init; } = "";
    public string HistoryComment { get; init; } = "";

    /// <summary>Docker-format-only settings (dropped from OCI images, as Buildah does).</summary>
    public List<string>? Shell { get; init; }
    public List<string>? OnBuild { get; init; }
    public string? DockerComment { get; init; }
    public JsonElement? Healthcheck { get; init; }

    public string Isolation { get; init; } = "oci";
    public DateTimeOffset Created { get; init; }

    public static BuilderState? TryParse(string? json)
    {
        if (string.IsNullOrEmpty(json))
        {
            return null;
        }
        try
        {
            BuilderState? state = JsonSerializer.Deserialize(json, BuildJsonContext.Default.BuilderState);
            return state is { Type: TypeValue } ? state : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public string ToJson() => JsonSerializer.Serialize(this, BuildJsonContext.Default.BuilderState);
}

[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(BuilderState))]
[JsonSerializable(typeof(List<string>))]
internal sealed partial class BuildJsonContext : JsonSerializerContext;
