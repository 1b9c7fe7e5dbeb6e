using System.Text.Json.Serialization;
using Skiff.Transports.DockerArchive;
using Skiff.Transports.Oci;

namespace Skiff.Transports;

/// <summary>Source-generated JSON for the file formats of this assembly (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(DefaultIgnoreCondition = JsonIgnoreCondition.Never)]
[JsonSerializable(typeof(OciLayoutFile))]
[JsonSerializable(typeof(List<DockerArchiveManifestItem>))]
[JsonSerializable(typeof(Dictionary<string, Dictionary<string, string>>))]
internal sealed partial class TransportJsonContext : JsonSerializerContext;
