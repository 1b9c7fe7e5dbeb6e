using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Transports.Oci;

/// <summary>
/// <c>oci:PATH[:NAME]</c>: an OCI image layout directory. NAME is kept in index.json as the
/// <c>org.opencontainers.image.ref.name</c> annotation of the image's entry.
/// </summary>
public sealed class OciLayoutTransport : IImageTransport
{
    public static OciLayoutTransport Instance { get; } = new();

    public string Name => "oci";

    public IImageReference ParseReference(string reference)
    {
        (string path, string? name) = OciReferenceSyntax.Split(reference, Name);
        return new OciLayoutReference(path, name);
    }
}

/// <summary>A location in an OCI layout directory.</summary>
public sealed class OciLayoutReference : IImageReference
{
    public OciLayoutReference(string path, string? name = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        ImageName = string.IsNullOrEmpty(name) ? null : name;
    }

    /// <summary>The layout directory (absolute).</summary>
    public string Path { get; }

    /// <summary>The ref.name annotation selecting the image, or null for "the only image".</summary>
    public string? ImageName { get; }

    public IImageTransport Transport => OciLayoutTransport.Instance;

    public string StringWithinTransport => ImageName is null ? Path : $"{Path}:{ImageName}";

    public Reference? DockerReference => null;

    public async Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default) =>
        await OciLayoutSource.OpenAsync(this, new Files.DirectoryLayoutFiles(Path), ImageName, cancellationToken).ConfigureAwait(false);

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IImageDestination>(OciLayoutDestination.Open(this, Path, ImageName));

    /// <summary>Removes the image's entry from index.json (blobs stay, as with c/image: they may be shared).</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        var files = new Files.DirectoryLayoutFiles(Path);
        ImageIndex index = await OciIndexFile.ReadAsync(files, cancellationToken).ConfigureAwait(false);
        int i = OciIndexFile.FindEntry(index, ImageName, Path);
        index.Manifests.RemoveAt(i);
        await Files.AtomicFile.WriteAllBytesAsync(System.IO.Path.Combine(Path, OciIndexFile.IndexFileName), index.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    public override string ToString() => $"oci:{StringWithinTransport}";
}

/// <summary>The <c>oci-layout</c> marker file.</summary>
internal sealed record OciLayoutFile
{
    [JsonPropertyName("imageLayoutVersion")] public string ImageLayoutVersion { get; init; } = "1.0.0";
}

/// <summary>How oci: and oci-archive: split <c>PATH[:NAME]</c> (at the first colon, as c/image does on Linux).</summary>
internal static partial class OciReferenceSyntax
{
    public static (string Path, string? Name) Split(string reference, string transport)
    {
        int colon = reference.IndexOf(':');
        string path = colon < 0 ? reference : reference[..colon];
        string? name = colon < 0 ? null : reference[(colon + 1)..];
        if (path.Length == 0)
        {
            throw new ReferenceFormatException($"invalid {transport} reference \"{reference}\": empty path");
        }
        if (name is { Length: > 0 } && !NameRegex().IsMatch(name))
        {
            throw new ReferenceFormatException($"invalid {transport} reference \"{reference}\": invalid image name \"{name}\"");
        }
        return (path, string.IsNullOrEmpty(name) ? null : name);
    }

    // A docker-style reference (name[:tag][@digest]) or a bare tag; the spec leaves ref.name free-form but c/image
    // restricts it to this shape.
    [GeneratedRegex(@"^[A-Za-z0-9][A-Za-z0-9._/:@+-]*$")]
    private static partial Regex NameRegex();
}

/// <summary>Reading and searching index.json.</summary>
internal static class OciIndexFile
{
    public const string IndexFileName = "index.json";
    public const string LayoutFileName = "oci-layout";
    public const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    public static async Task<ImageIndex> ReadAsync(Files.ILayoutFiles files, CancellationToken cancellationToken)
    {
        await using Stream s = files.TryOpen(IndexFileName)
            ?? throw new ImageNotFoundException($"no image layout at {files.Location}: index.json is missing");
        byte[] bytes = await Files.AtomicFile.ReadSmallFileAsync(s, ImageManifest.MaxBytes, $"{files.Location}/index.json", cancellationToken).ConfigureAwait(false);
        try
        {
            return ImageIndex.Parse(bytes);
        }
        catch (MalformedImageException e)
        {
            throw new MalformedImageException($"{files.Location}/index.json: {e.Message}", e);
        }
    }

    /// <summary>The position of the entry named <paramref name="name"/>, or of the only entry when no name is given.</summary>
    public static int FindEntry(ImageIndex index, string? name, string location)
    {
        if (name is null)
        {
            return index.Manifests.Count switch
            {
                1 => 0,
                0 => throw new ImageNotFoundException($"no image in the layout at {location}"),
                _ => throw new ImageNotFoundException($"more than one image in the layout at {location}: choose one with {location}:NAME"),
            };
        }
        int found = index.Manifests.FindIndex(d => d.Annotations?.GetValueOrDefault(RefNameAnnotation) == name);
        return found >= 0 ? found : throw new ImageNotFoundException($"no descriptor found for reference \"{name}\" in {location}");
    }

    public static string BlobPath(Digest digest) => $"blobs/{digest.Algorithm}/{digest.Encoded}";
}
