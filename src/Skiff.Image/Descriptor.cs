using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>An OCI content descriptor. Unknown fields survive a round trip.</summary>
public sealed record Descriptor
{
    [JsonPropertyName("mediaType")] public string MediaType { get; init; } = "";
    [JsonPropertyName("digest")] public Digest Digest { get; init; }
    [JsonPropertyName("size")] public long Size { get; init; }
    [JsonPropertyName("urls"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public List<string>? Urls { get; init; }
    [JsonPropertyName("annotations"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, string>? Annotations { get; init; }
    [JsonPropertyName("platform"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Platform? Platform { get; init; }
    [JsonPropertyName("artifactType"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ArtifactType { get; init; }
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extra { get; set; }

    /// <summary>Rejects what the spec forbids and what would be a denial-of-service vector.</summary>
    public void Validate(long maxSize = long.MaxValue)
    {
        if (Digest.IsEmpty)
        {
            throw new MalformedImageException($"descriptor of type \"{MediaType}\" has no digest");
        }
        if (Size < 0)
        {
            throw new MalformedImageException($"descriptor {Digest} has a negative size {Size}");
        }
        if (Size > maxSize)
        {
            throw new MalformedImageException($"descriptor {Digest} declares {Size} bytes, above the limit of {maxSize}");
        }
    }
}
