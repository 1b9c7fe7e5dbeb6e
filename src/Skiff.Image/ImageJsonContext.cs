using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>Source-generated JSON for the image vocabulary (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never, Converters = [typeof(Rfc3339TimeConverter)])]
[JsonSerializable(typeof(ImageManifest))]
[JsonSerializable(typeof(ImageIndex))]
[JsonSerializable(typeof(ImageConfig))]
[JsonSerializable(typeof(Descriptor))]
[JsonSerializable(typeof(Platform))]
public sealed partial class ImageJsonContext : JsonSerializerContext
{
    /// <summary>
    /// Writes JSON as Go's encoder does for these documents: "+" in media types stays literal (the default
    /// encoder would write \u002B), so manifests we produce look like every other tool's.
    /// </summary>
    public static ImageJsonContext Go { get; } = new(new JsonSerializerOptions
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
        Converters = { new Rfc3339TimeConverter() },
    });
}
