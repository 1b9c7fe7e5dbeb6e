using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Files;

namespace Skiff.Transports.Oci;

/// <summary>
/// Writes an image into an OCI layout directory. Blobs land under blobs/ by digest through temp files (a failed or
/// interrupted write leaves no blob under a wrong name); index.json only changes at commit, where the tagged entry is
/// added or replaced.
/// </summary>
internal sealed class OciLayoutDestination : IImageDestination
{
    private readonly string _root;
    private readonly string? _name;
    private Descriptor? _manifest;

    private OciLayoutDestination(IImageReference reference, string root, string? name)
    {
        Reference = reference;
        _root = root;
        _name = name;
    }

    public static OciLayoutDestination Open(IImageReference reference, string root, string? name)
    {
        if (File.Exists(root))
        {
            throw new SkiffException($"cannot write an OCI layout to {root}: it is a file");
        }
        Directory.CreateDirectory(root);
        return new OciLayoutDestination(reference, root, name);
    }

    public IImageReference Reference { get; }

    // OCI only, as c/image's layout destination: umoci and other layout readers expect OCI manifests.
    public IReadOnlyList<string> SupportedManifestMediaTypes { get; } = [MediaTypes.OciManifest, MediaTypes.OciIndex];

    public Compression? DesiredLayerCompression => null;

    public bool HasThreadSafePutBlob => true;

    public Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default)
    {
        Descriptor d = blob.Descriptor;
        if (d.Digest.IsEmpty)
        {
            return Task.FromResult<Descriptor?>(null);
        }
        var info = new FileInfo(BlobPath(d.Digest));
        return Task.FromResult<Descriptor?>(info.Exists ? d with { Size = info.Length } : null);
    }

    public async Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        BlobFile.Written w = await BlobFile.WriteAsync(content, blob.Descriptor, _root, BlobPath, cancellationToken).ConfigureAwait(false);
        return blob.Descriptor with { Digest = w.Digest, Size = w.Size };
    }

    public async Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default)
    {
        var d = new Descriptor { MediaType = manifest.MediaType, Digest = manifest.Digest, Size = manifest.Bytes.Length };
        string path = BlobPath(d.Digest);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        await AtomicFile.WriteAllBytesAsync(path, manifest.Bytes, cancellationToken).ConfigureAwait(false);
        if (instance is null)
        {
            _manifest = d;
        }
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_manifest is not { } manifest)
        {
            throw new InvalidOperationException("commit before the manifest was written");
        }
        string layoutFile = Path.Combine(_root, OciIndexFile.LayoutFileName);
        if (!File.Exists(layoutFile))
        {
            byte[] layout = JsonSerializer.SerializeToUtf8Bytes(new OciLayoutFile(), TransportJsonContext.Default.OciLayoutFile);
            await AtomicFile.WriteAllBytesAsync(layoutFile, layout, cancellationToken).ConfigureAwait(false);
        }
        // Read index.json at commit rather than at open so another writer's entries made meanwhile are kept.
        ImageIndex index = File.Exists(Path.Combine(_root, OciIndexFile.IndexFileName))
            ? await OciIndexFile.ReadAsync(new DirectoryLayoutFiles(_root), cancellationToken).ConfigureAwait(false)
            : new ImageIndex { MediaType = MediaTypes.OciIndex };
        if (_name is not null)
        {
            index.Manifests.RemoveAll(d => d.Annotations?.GetValueOrDefault(OciIndexFile.RefNameAnnotation) == _name);
            manifest = manifest with { Annotations = new Dictionary<string, string> { [OciIndexFile.RefNameAnnotation] = _name } };
        }
        else
        {
            index.Manifests.RemoveAll(d => d.Digest == manifest.Digest && d.Annotations?.ContainsKey(OciIndexFile.RefNameAnnotation) != true);
        }
        index.Manifests.Add(manifest);
        ImageIndex written = index.MediaType is null ? index with { MediaType = MediaTypes.OciIndex } : index;
        await AtomicFile.WriteAllBytesAsync(Path.Combine(_root, OciIndexFile.IndexFileName), written.ToJson(), cancellationToken).ConfigureAwait(false);
    }

    private string BlobPath(Digest digest) => Path.Combine(_root, "blobs", digest.Algorithm, digest.Encoded);

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
