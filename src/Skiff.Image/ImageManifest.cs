using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>
/// An OCI image manifest or a Docker v2 schema 2 manifest (same shape, different media types).
/// Always keep the raw bytes a manifest came in: its digest is of those bytes, not of a re-serialisation.
/// </summary>
public sealed record ImageManifest
{
    /// <summary>Manifests above this size are refused (containers/image uses 4 MiB as well).</summary>
    public const int MaxBytes = 4 * 1024 * 1024;

    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MediaType { get; init; }
    [JsonPropertyName("artifactType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ArtifactType { get; init; }
    [JsonPropertyName("config")] public Descriptor Config { get; init; } = new();
    [JsonPropertyName("layers")] public List<Descriptor> Layers { get; init; } = [];
    [JsonPropertyName("subject"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Descriptor? Subject { get; init; }
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Annotations { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    public static ImageManifest Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new MalformedImageException($"manifest of {json.Length} bytes exceeds the {MaxBytes} byte limit");
        }
        ImageManifest? m;
        try
        {
            m = JsonSerializer.Deserialize(json, ImageJsonContext.Go.ImageManifest);
        }
        catch (JsonException e)
        {
            throw new MalformedImageException($"invalid manifest: {e.Message}", e);
        }
        if (m is null || m.SchemaVersion != 2)
        {
            throw new MalformedImageException($"unsupported manifest schema version {m?.SchemaVersion}");
        }
        m.Config.Validate();
        foreach (Descriptor layer in m.Layers)
        {
            layer.Validate();
        }
        return m;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ImageJsonContext.Go.ImageManifest);

    [JsonIgnore]
    public bool IsDocker => MediaTypes.IsDocker(MediaType) || MediaTypes.IsDocker(Config.MediaType);
}

/// <summary>An OCI image index or a Docker manifest list.</summary>
public sealed record ImageIndex
{
    [JsonPropertyName("schemaVersion")] public int SchemaVersion { get; init; } = 2;
    [JsonPropertyName("mediaType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? MediaType { get; init; }
    [JsonPropertyName("manifests")] public List<Descriptor> Manifests { get; init; } = [];
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Annotations { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    public static ImageIndex Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > ImageManifest.MaxBytes)
        {
            throw new MalformedImageException($"index of {json.Length} bytes exceeds the {ImageManifest.MaxBytes} byte limit");
        }
        ImageIndex? i;
        try
        {
            i = JsonSerializer.Deserialize(json, ImageJsonContext.Go.ImageIndex);
        }
        catch (JsonException e)
        {
            throw new MalformedImageException($"invalid image index: {e.Message}", e);
        }
        if (i is null || i.SchemaVersion != 2)
        {
            throw new MalformedImageException($"unsupported index schema version {i?.SchemaVersion}");
        }
        foreach (Descriptor d in i.Manifests)
        {
            d.Validate();
        }
        return i;
    }

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, ImageJsonContext.Go.ImageIndex);

    /// <summary>The manifest for <paramref name="platform"/>, preferring an exact variant match.</summary>
    public Descriptor? Select(Platform platform) =>
        Manifests.FirstOrDefault(d => d.Platform is { } p && platform.Matches(p) && p.Variant == platform.Variant)
        ?? Manifests.FirstOrDefault(d => d.Platform is { } p && platform.Matches(p));
}

/// <summary>Looks at a manifest's bytes to tell what it is when no media type came with it.</summary>
public static class ManifestSniffer
{
    public static string DetectMediaType(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            using JsonDocument doc = JsonDocument.ParseValue(ref reader);
            JsonElement root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MalformedImageException("manifest is not a JSON object");
            }
            if (root.TryGetProperty("mediaType", out JsonElement mt) && mt.ValueKind == JsonValueKind.String)
            {
                return mt.GetString()!;
            }
            if (root.TryGetProperty("manifests", out _))
            {
                return MediaTypes.OciIndex;
            }
            if (root.TryGetProperty("config", out _))
            {
                return MediaTypes.OciManifest;
            }
            if (root.TryGetProperty("schemaVersion", out JsonElement sv) && sv.ValueKind == JsonValueKind.Number && sv.GetInt32() == 1)
            {
                return MediaTypes.DockerManifestV1Signed;
            }
            throw new MalformedImageException("cannot tell what kind of manifest this is");
        }
        catch (JsonException e)
        {
            throw new MalformedImageException($"invalid manifest JSON: {e.Message}", e);
        }
    }
}
