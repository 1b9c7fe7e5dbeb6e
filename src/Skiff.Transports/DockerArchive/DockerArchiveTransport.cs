using System.Globalization;
using System.Text.Json.Serialization;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Transports.DockerArchive;

/// <summary>
/// <c>docker-archive:PATH[:NAME:TAG|:@INDEX]</c>: the <c>docker save</c> format. As a source, NAME:TAG or @INDEX picks
/// the image (default: the only one); as a destination NAME:TAG becomes the image's RepoTags.
/// </summary>
public sealed class DockerArchiveTransport : IImageTransport
{
    public static DockerArchiveTransport Instance { get; } = new();

    public string Name => "docker-archive";

    public IImageReference ParseReference(string reference)
    {
        int colon = reference.IndexOf(':');
        string path = colon < 0 ? reference : reference[..colon];
        string rest = colon < 0 ? "" : reference[(colon + 1)..];
        if (path.Length == 0)
        {
            throw new ReferenceFormatException($"invalid docker-archive reference \"{reference}\": empty path");
        }
        if (rest.Length == 0)
        {
            return new DockerArchiveReference(path);
        }
        if (rest.StartsWith('@'))
        {
            if (!int.TryParse(rest.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out int index))
            {
                throw new ReferenceFormatException($"invalid docker-archive reference \"{reference}\": invalid index \"{rest}\"");
            }
            return new DockerArchiveReference(path, sourceIndex: index);
        }
        Reference named;
        try
        {
            named = Reference.Parse(rest);
        }
        catch (ReferenceFormatException e)
        {
            throw new ReferenceFormatException($"invalid docker-archive reference \"{reference}\": {e.Message}", e);
        }
        if (named.Digest is not null)
        {
            throw new ReferenceFormatException($"invalid docker-archive reference \"{reference}\": docker-archive doesn't support digest references");
        }
        return new DockerArchiveReference(path, named.TagOrLatest());
    }
}

/// <summary>An image in a docker-archive file, or (from <see cref="DockerArchiveWriter"/>) one being added to it.</summary>
public sealed class DockerArchiveReference : IImageReference
{
    private readonly DockerArchiveWriter? _writer;
    private readonly IReadOnlyList<Reference> _tags;

    public DockerArchiveReference(string path, Reference? tag = null, int sourceIndex = -1)
    {
        Path = System.IO.Path.GetFullPath(path);
        Tag = tag;
        SourceIndex = sourceIndex;
        _tags = tag is null ? [] : [tag];
    }

    internal DockerArchiveReference(DockerArchiveWriter writer, IReadOnlyList<Reference> tags)
    {
        _writer = writer;
        Path = writer.Path;
        Tag = tags.Count > 0 ? tags[0] : null;
        SourceIndex = -1;
        _tags = tags;
    }

    public string Path { get; }

    /// <summary>name:tag of the image (source selection or destination RepoTag).</summary>
    public Reference? Tag { get; }

    /// <summary>The image's position in manifest.json for <c>@N</c> references; -1 otherwise.</summary>
    public int SourceIndex { get; }

    /// <summary>Every RepoTag the destination gives the image (more than one only through a writer).</summary>
    public IReadOnlyList<Reference> Tags => _tags;

    public IImageTransport Transport => DockerArchiveTransport.Instance;

    public string StringWithinTransport => Tag is not null ? $"{Path}:{Tag}" : SourceIndex >= 0 ? $"{Path}:@{SourceIndex}" : Path;

    public Reference? DockerReference => Tag;

    public async Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default) =>
        await DockerArchiveSource.OpenAsync(this, cancellationToken).ConfigureAwait(false);

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default)
    {
        if (SourceIndex >= 0)
        {
            throw new ReferenceFormatException($"docker-archive:{StringWithinTransport}: an @index reference cannot be a destination");
        }
        IImageDestination d = _writer is not null
            ? new DockerArchiveDestination(this, _writer, ownsWriter: false)
            : new DockerArchiveDestination(this, DockerArchiveWriter.Create(Path), ownsWriter: true);
        return Task.FromResult(d);
    }

    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("deleting images from a docker-archive is not supported");

    public override string ToString() => $"docker-archive:{StringWithinTransport}";
}

/// <summary>One entry of a docker-archive's manifest.json.</summary>
public sealed record DockerArchiveManifestItem
{
    [JsonPropertyName("Config")] public string Config { get; init; } = "";
    [JsonPropertyName("RepoTags")] public List<string>? RepoTags { get; init; }
    [JsonPropertyName("Layers")] public List<string> Layers { get; init; } = [];
    [JsonPropertyName("Parent"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Parent { get; init; }
    [JsonPropertyName("LayerSources"), JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public Dictionary<string, Descriptor>? LayerSources { get; init; }
}
