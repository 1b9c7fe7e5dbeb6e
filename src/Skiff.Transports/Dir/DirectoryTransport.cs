using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Files;

namespace Skiff.Transports.Dir;

/// <summary>
/// <c>dir:PATH</c>: an image as plain files, as skopeo writes it: <c>manifest.json</c>, a <c>version</c> file, and
/// every blob named by its digest's hex; per-platform manifests of an index as <c>HEX.manifest.json</c>.
/// </summary>
public sealed class DirectoryTransport : IImageTransport
{
    public static DirectoryTransport Instance { get; } = new();

    public string Name => "dir";

    public IImageReference ParseReference(string reference)
    {
        if (reference.Length == 0)
        {
            throw new ReferenceFormatException("invalid dir reference: empty path");
        }
        return new DirectoryReference(reference);
    }
}

public sealed class DirectoryReference : IImageReference
{
    internal const string ManifestFile = "manifest.json";
    internal const string VersionFile = "version";
    internal const string Version = "Directory Transport Version: 1.1\n";

    public DirectoryReference(string path) => Path = System.IO.Path.GetFullPath(path);

    public string Path { get; }

    public IImageTransport Transport => DirectoryTransport.Instance;

    public string StringWithinTransport => Path;

    public Reference? DockerReference => null;

    public Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default)
    {
        if (!File.Exists(System.IO.Path.Combine(Path, ManifestFile)))
        {
            throw new ImageNotFoundException($"no image in directory {Path}: manifest.json is missing");
        }
        return Task.FromResult<IImageSource>(new DirectorySource(this));
    }

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IImageDestination>(DirectoryDestination.Open(this));

    public Task DeleteAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("deleting images from a dir: location is not supported; remove the directory");

    internal static string BlobName(Digest digest) => digest.Algorithm == "sha256" ? digest.Encoded : $"{digest.Algorithm}-{digest.Encoded}";

    internal static string InstanceManifestName(Digest digest) => BlobName(digest) + ".manifest.json";

    public override string ToString() => $"dir:{Path}";
}

internal sealed class DirectorySource(DirectoryReference reference) : IImageSource
{
    public IImageReference Reference => reference;

    public async Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default)
    {
        string name = instance is { } i ? DirectoryReference.InstanceManifestName(i) : DirectoryReference.ManifestFile;
        string path = Path.Combine(reference.Path, name);
        Stream s;
        try
        {
            s = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.Asynchronous);
        }
        catch (FileNotFoundException)
        {
            throw new ImageNotFoundException($"manifest {(instance?.ToString() ?? "")} not found: {path} is missing");
        }
        byte[] bytes;
        await using (s.ConfigureAwait(false))
        {
            bytes = await AtomicFile.ReadSmallFileAsync(s, ImageManifest.MaxBytes, path, cancellationToken).ConfigureAwait(false);
        }
        var blob = new ManifestBlob(bytes, ManifestSniffer.DetectMediaType(bytes));
        if (instance is { } want && blob.Digest != want)
        {
            throw new DigestMismatchException($"{path}: manifest hashes to {blob.Digest}, expected {want}");
        }
        return blob;
    }

    public Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default)
    {
        string path = Path.Combine(reference.Path, DirectoryReference.BlobName(blob.Digest));
        try
        {
            return Task.FromResult<Stream>(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous));
        }
        catch (FileNotFoundException)
        {
            throw new MalformedImageException($"{reference.Path}: blob {blob.Digest} is missing");
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// Writes blobs by name through temp files; at commit writes the version file and manifest.json, then removes the
/// files of whatever image the directory held before (only a directory that is empty or already a dir: image is
/// accepted, so nothing unrelated is ever deleted).
/// </summary>
internal sealed class DirectoryDestination : IImageDestination
{
    private readonly DirectoryReference _reference;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _written = new(StringComparer.Ordinal);
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> _created = new(StringComparer.Ordinal);
    private ManifestBlob? _manifest;
    private bool _committed;

    private DirectoryDestination(DirectoryReference reference) => _reference = reference;

    public static DirectoryDestination Open(DirectoryReference reference)
    {
        string dir = reference.Path;
        if (File.Exists(dir))
        {
            throw new SkiffException($"cannot write an image to {dir}: it is a file");
        }
        if (Directory.Exists(dir) && Directory.EnumerateFileSystemEntries(dir).Any())
        {
            string version = Path.Combine(dir, DirectoryReference.VersionFile);
            if (!File.Exists(version) || !File.ReadAllText(version).StartsWith("Directory Transport Version:", StringComparison.Ordinal))
            {
                throw new SkiffException($"refusing to overwrite {dir}: not empty and not a dir: image (no version file)");
            }
        }
        Directory.CreateDirectory(dir);
        return new DirectoryDestination(reference);
    }

    public IImageReference Reference => _reference;

    public IReadOnlyList<string> SupportedManifestMediaTypes { get; } =
        [MediaTypes.OciManifest, MediaTypes.DockerManifest, MediaTypes.OciIndex, MediaTypes.DockerManifestList];

    public Compression? DesiredLayerCompression => null;

    public bool HasThreadSafePutBlob => true;

    public Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default) =>
        Task.FromResult<Descriptor?>(null);

    public async Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        BlobFile.Written w = await BlobFile.WriteAsync(content, blob.Descriptor, _reference.Path, d =>
        {
            string target = Path.Combine(_reference.Path, DirectoryReference.BlobName(d));
            if (!File.Exists(target))
            {
                _created[target] = true;
            }
            return target;
        }, cancellationToken).ConfigureAwait(false);
        _written[DirectoryReference.BlobName(w.Digest)] = true;
        return blob.Descriptor with { Digest = w.Digest, Size = w.Size };
    }

    public async Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is null)
        {
            _manifest = manifest;
            return;
        }
        string name = DirectoryReference.InstanceManifestName(manifest.Digest);
        await AtomicFile.WriteAllBytesAsync(Path.Combine(_reference.Path, name), manifest.Bytes, cancellationToken).ConfigureAwait(false);
        _written[name] = true;
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ManifestBlob manifest = _manifest ?? throw new InvalidOperationException("commit before the manifest was written");
        string dir = _reference.Path;
        await AtomicFile.WriteAllBytesAsync(Path.Combine(dir, DirectoryReference.VersionFile), System.Text.Encoding.ASCII.GetBytes(DirectoryReference.Version), cancellationToken).ConfigureAwait(false);
        await AtomicFile.WriteAllBytesAsync(Path.Combine(dir, DirectoryReference.ManifestFile), manifest.Bytes, cancellationToken).ConfigureAwait(false);
        foreach (string entry in Directory.EnumerateFiles(dir))
        {
            string name = Path.GetFileName(entry);
            if (name is not (DirectoryReference.VersionFile or DirectoryReference.ManifestFile) && !_written.ContainsKey(name) && !name.StartsWith(".tmp-", StringComparison.Ordinal))
            {
                AtomicFile.TryDelete(entry);
            }
        }
        _committed = true;
    }

    /// <summary>Without a commit, the blobs this destination added go again (the directory holds no half image).</summary>
    public ValueTask DisposeAsync()
    {
        if (!_committed)
        {
            foreach (string path in _created.Keys)
            {
                AtomicFile.TryDelete(path);
            }
        }
        return ValueTask.CompletedTask;
    }
}
