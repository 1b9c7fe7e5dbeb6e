using System.Text.Json;
using System.Text.Json.Serialization;
using Skiff.Image;

namespace Skiff.Engine.Images;

public sealed record ImportOptions
{
    /// <summary>Path of a (possibly compressed) rootfs tarball, or "-" for standard input.</summary>
    public required string Source { get; init; }
    public string? Reference { get; init; }
    public IReadOnlyList<string> Changes { get; init; } = [];
    public string? Message { get; init; }
    public Platform? Platform { get; init; }
}

public sealed record ImportReport(string Id);

public sealed record ImageListOptions
{
    public bool All { get; init; }
    public IReadOnlyList<string> Filters { get; init; } = [];
}

/// <summary>One row of <c>images</c>: an image under one of its names (or &lt;none&gt;).</summary>
public sealed record ImageSummary
{
    public required string Id { get; init; }
    public required string Repository { get; init; }
    public required string Tag { get; init; }
    public required Digest Digest { get; init; }
    public required DateTimeOffset Created { get; init; }
    public required long Size { get; init; }
    public required bool Dangling { get; init; }
    public required IReadOnlyList<string> Names { get; init; }
    public required IReadOnlyList<string> RepoDigests { get; init; }
    public IReadOnlyDictionary<string, string>? Labels { get; init; }
    public int Containers { get; init; }
}

public sealed record RemoveImagesOptions
{
    public IReadOnlyList<string> Names { get; init; } = [];
    public bool All { get; init; }
    public bool Force { get; init; }
    public bool Ignore { get; init; }
}

/// <summary>What rmi did, in the order podman prints it, and the errors per name (exit code 1 or 2 in podman).</summary>
public sealed record RemoveImagesReport(IReadOnlyList<string> Untagged, IReadOnlyList<string> Deleted, IReadOnlyList<SkiffException> Errors);

public sealed record HistoryEntryReport(string Id, DateTimeOffset? Created, string CreatedBy, long Size, string Comment, IReadOnlyList<string> Tags);

public sealed record PruneReport(IReadOnlyList<string> Removed, long Reclaimed);

/// <summary>The JSON shape <c>podman image inspect</c> prints.</summary>
public sealed record ImageInspectReport
{
    public required string Id { get; init; }
    public required string Digest { get; init; }
    public List<string> RepoTags { get; init; } = [];
    public List<string> RepoDigests { get; init; } = [];
    public string Parent { get; init; } = "";
    public string Comment { get; init; } = "";
    public DateTimeOffset? Created { get; init; }
    public ContainerConfig? Config { get; init; }
    public string Version { get; init; } = "";
    public string Author { get; init; } = "";
    public string Architecture { get; init; } = "";
    public string Os { get; init; } = "";
    public long Size { get; init; }
    public long VirtualSize { get; init; }
    public GraphDriverReport GraphDriver { get; init; } = new();
    public RootFsReport RootFS { get; init; } = new();
    public Dictionary<string, string>? Labels { get; init; }
    public Dictionary<string, string> Annotations { get; init; } = [];
    public string ManifestType { get; init; } = "";
    public string User { get; init; } = "";
    public List<HistoryEntry> History { get; init; } = [];
    public List<string> NamesHistory { get; init; } = [];
}

public sealed record GraphDriverReport
{
    public string Name { get; init; } = "";
    public Dictionary<string, string> Data { get; init; } = [];
}

public sealed record RootFsReport
{
    public string Type { get; init; } = "layers";
    public List<string> Layers { get; init; } = [];
}

/// <summary>The JSON shape of <c>podman images --format json</c>.</summary>
public sealed record ImageListJson
{
    public required string Id { get; init; }
    public string ParentId { get; init; } = "";
    public List<string>? RepoTags { get; init; }
    public List<string> RepoDigests { get; init; } = [];
    public long Size { get; init; }
    public long SharedSize { get; init; }
    public long VirtualSize { get; init; }
    public Dictionary<string, string>? Labels { get; init; }
    public int Containers { get; init; }
    public List<string> Names { get; init; } = [];
    public required string Digest { get; init; }
    public List<string> History { get; init; } = [];
    public long Created { get; init; }
    public required string CreatedAt { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, DefaultIgnoreCondition = JsonIgnoreCondition.Never, Converters = [typeof(Rfc3339TimeConverter)])]
[JsonSerializable(typeof(List<ImageInspectReport>))]
[JsonSerializable(typeof(List<ImageListJson>))]
[JsonSerializable(typeof(JsonElement))]
public sealed partial class EngineJsonContext : JsonSerializerContext;
