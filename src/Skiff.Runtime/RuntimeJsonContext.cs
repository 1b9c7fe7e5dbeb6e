using System.Text.Json.Serialization;
using Skiff.Runtime.Spec;

namespace Skiff.Runtime;

/// <summary>Source-generated JSON for the runtime's files (NativeAOT: no reflection).</summary>
[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(RuntimeSpec))]
[JsonSerializable(typeof(RuntimeState))]
[JsonSerializable(typeof(ContainerDefinition))]
[JsonSerializable(typeof(ContainerStatus))]
[JsonSerializable(typeof(ConmonSyncMessage))]
[JsonSerializable(typeof(List<RuntimeState>))]
public sealed partial class RuntimeJsonContext : JsonSerializerContext;
