using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>Source-generated JSON for the image vocabulary (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, Converters = [typeof(Rfc3339TimeConverter)])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(Platform))]
public sealed partial class ImageJsonContext : JsonSerializerContext;
