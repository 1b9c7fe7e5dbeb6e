using System.Formats.Tar;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Files;

namespace Skiff.Transports.Oci;

/// <summary><c>oci-archive:PATH[:NAME]</c>: a tar of an OCI image layout.</summary>
public sealed class OciArchiveTransport : IImageTransport
{
    public static OciArchiveTransport Instance { get; } = new();

    public string Name => "oci-archive";

    public IImageReference ParseReference(string reference)
    {
        (string path, string? name) = OciReferenceSyntax.Split(reference, Name);
        return new OciArchiveReference(path, name);
    }
}

public sealed class OciArchiveReference : IImageReference
{
    public OciArchiveReference(string path, string? name = null)
    {
        Path = System.IO.Path.GetFullPath(path);
        ImageName = string.IsNullOrEmpty(name) ? null : name;
    }

    public string Path { get; }

    public string? ImageName { get; }

    public IImageTransport Transport => OciArchiveTransport.Instance;

    public string StringWithinTransport => ImageName is null ? Path : $"{Path}:{ImageName}";

    public Reference? DockerReference => null;

    /// <summary>Reads the layout in place inside the tar: no extraction to a temp directory.</summary>
    public async Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(Path))
        {
            throw new ImageNotFoundException($"archive {Path} does not exist");
        }
        TarIndex index = await TarIndex.ReadAsync(Path, cancellationToken).ConfigureAwait(false);
        return await OciLayoutSource.OpenAsync(this, new TarLayoutFiles(index), ImageName, cancellationToken).ConfigureAwait(false);
    }

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default)
    {
        string? dir = System.IO.Path.GetDirectoryName(Path);
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new SkiffException($"cannot write {Path}: directory {dir} does not exist");
        }
        return Task.FromResult<IImageDestination>(new OciArchiveDestination(this));
    }

    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("deleting images from an oci-archive is not supported");

    public override string ToString() => $"oci-archive:{StringWithinTransport}";
}

/// <summary>
/// Builds the layout in a temp directory (for big files: $TMPDIR or /var/tmp), and at commit tars it into a temp
/// file next to the target and renames it over the target, so the archive appears whole or not at all.
/// </summary>
internal sealed class OciArchiveDestination : IImageDestination
{
    private readonly OciArchiveReference _reference;
    private readonly string _tempDir;
    private readonly OciLayoutDestination _layout;

    public OciArchiveDestination(OciArchiveReference reference)
    {
        _reference = reference;
        _tempDir = TempDirectories.Create("oci-archive");
        _layout = OciLayoutDestination.Open(reference, _tempDir, reference.ImageName);
    }

    public IImageReference Reference => _reference;
    public IReadOnlyList<string> SupportedManifestMediaTypes => _layout.SupportedManifestMediaTypes;
    public Compression? DesiredLayerCompression => _layout.DesiredLayerCompression;
    public bool HasThreadSafePutBlob => _layout.HasThreadSafePutBlob;

    public Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default) =>
        _layout.TryReuseBlobAsync(blob, cancellationToken);

    public Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default) =>
        _layout.PutBlobAsync(content, blob, cancellationToken);

    public Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default) =>
        _layout.PutManifestAsync(manifest, instance, cancellationToken);

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        await _layout.CommitAsync(cancellationToken).ConfigureAwait(false);
        string temp = AtomicFile.TempPathNextTo(_reference.Path);
        try
        {
            await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous))
            {
                await WriteTarAsync(_tempDir, fs, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, _reference.Path, overwrite: true);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>Tars a layout directory: the marker and index first (readers find them early), then the blobs.</summary>
    internal static async Task WriteTarAsync(string root, Stream output, CancellationToken cancellationToken)
    {
        await using var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true);
        foreach (string name in new[] { OciIndexFile.LayoutFileName, OciIndexFile.IndexFileName })
        {
            await writer.WriteEntryAsync(System.IO.Path.Combine(root, name), name, cancellationToken).ConfigureAwait(false);
        }
        string blobs = System.IO.Path.Combine(root, "blobs");
        await writer.WriteEntryAsync(blobs, "blobs/", cancellationToken).ConfigureAwait(false);
        foreach (string algDir in Directory.GetDirectories(blobs).Order(StringComparer.Ordinal))
        {
            string alg = System.IO.Path.GetFileName(algDir);
            await writer.WriteEntryAsync(algDir, $"blobs/{alg}/", cancellationToken).ConfigureAwait(false);
            foreach (string file in Directory.GetFiles(algDir).Order(StringComparer.Ordinal))
            {
                await writer.WriteEntryAsync(file, $"blobs/{alg}/{System.IO.Path.GetFileName(file)}", cancellationToken).ConfigureAwait(false);
            }
        }
    }

    public ValueTask DisposeAsync()
    {
        AtomicFile.TryDeleteDirectory(_tempDir);
        return ValueTask.CompletedTask;
    }
}

/// <summary>Scratch directories for big files, where c/image puts them ($TMPDIR, else /var/tmp).</summary>
internal static class TempDirectories
{
    public static string Create(string purpose)
    {
        string parent = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/var/tmp";
        string path = System.IO.Path.Combine(parent, $"skiff-{purpose}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }
}
