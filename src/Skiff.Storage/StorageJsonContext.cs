using System.Text.Json.Serialization;

namespace Skiff.Storage;

/// <summary>Source-generated JSON for the store's indexes (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(
    WriteIndented = true,
    PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(List<LayerRecord>))]
[JsonSerializable(typeof(List<ImageRecord>))]
[JsonSerializable(typeof(List<ContainerRecord>))]
internal sealed partial class StorageJsonContext : JsonSerializerContext;
