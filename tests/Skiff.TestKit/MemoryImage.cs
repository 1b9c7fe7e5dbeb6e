using System.Collections.Concurrent;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.TestKit;

/// <summary>
/// An image held in memory: blobs by digest, the top-level manifest and, for an index, its instances.
/// Tests build one with <see cref="RandomImage"/> or copy into one through a <see cref="MemoryImageReference"/>.
/// </summary>
public sealed class MemoryImage
{
    public ConcurrentDictionary<Digest, byte[]> Blobs { get; } = new();

    /// <summary>Per-platform manifests of an index, by digest.</summary>
    public ConcurrentDictionary<Digest, ManifestBlob> Instances { get; } = new();

    public ManifestBlob? Manifest { get; set; }

    public bool IsEmpty => Manifest is null;

    public Digest AddBlob(byte[] bytes)
    {
        Digest d = Digest.Compute(bytes);
        Blobs[d] = bytes;
        return d;
    }

    /// <summary>The single-image manifest (the top one, or the instance for <paramref name="instance"/>).</summary>
    public ImageManifest ParseManifest(Digest? instance = null)
    {
        ManifestBlob blob = instance is { } i ? Instances[i] : Manifest ?? throw new InvalidOperationException("empty image");
        return ImageManifest.Parse(blob.Bytes);
    }

    public ImageConfig ParseConfig(Digest? instance = null) => ImageConfig.Parse(Blobs[ParseManifest(instance).Config.Digest]);
}

/// <summary>The transport of in-memory test images; references are made in code, not parsed.</summary>
public sealed class MemoryImageTransport : IImageTransport
{
    public static MemoryImageTransport Instance { get; } = new();

    public string Name => "memory";

    public IImageReference ParseReference(string reference) =>
        throw new ReferenceFormatException($"memory references cannot be parsed (\"{reference}\")");
}

/// <summary>
/// Points at a <see cref="MemoryImage"/>. As a destination it stages everything and replaces the image's content
/// only on commit, so tests can check that a failed copy leaves it untouched. The capability properties let
/// tests stand in for destinations of other kinds (a docker-archive wants uncompressed Docker manifests, ...).
/// </summary>
public sealed class MemoryImageReference : IImageReference
{
    public MemoryImageReference(MemoryImage image, string name = "test")
    {
        Image = image;
        Name = name;
    }

    public MemoryImage Image { get; }

    public string Name { get; }

    public IImageTransport Transport => MemoryImageTransport.Instance;

    public string StringWithinTransport => Name;

    public Reference? DockerReference { get; init; }

    public IReadOnlyList<string> SupportedManifestMediaTypes { get; init; } =
        [MediaTypes.OciManifest, MediaTypes.DockerManifest, MediaTypes.OciIndex, MediaTypes.DockerManifestList];

    public Compression? DesiredLayerCompression { get; init; }

    public bool HasThreadSafePutBlob { get; init; } = true;

    /// <summary>When set, TryReuseBlob reports blobs already in <see cref="Image"/> as present.</summary>
    public bool ReuseExistingBlobs { get; init; }

    /// <summary>How many PutBlob calls the destinations of this reference have received.</summary>
    public int PutBlobCalls => _putBlobCalls;

    private int _putBlobCalls;

    internal void CountPutBlob() => Interlocked.Increment(ref _putBlobCalls);

    public Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default)
    {
        if (Image.IsEmpty)
        {
            throw new ImageNotFoundException($"memory image \"{Name}\" is empty");
        }
        return Task.FromResult<IImageSource>(new MemoryImageSource(this));
    }

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IImageDestination>(new MemoryImageDestination(this));

    public Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        Image.Blobs.Clear();
        Image.Instances.Clear();
        Image.Manifest = null;
        return Task.CompletedTask;
    }

    public override string ToString() => $"memory:{Name}";
}

public sealed class MemoryImageSource : IImageSource
{
    private readonly MemoryImageReference _reference;

    public MemoryImageSource(MemoryImageReference reference) => _reference = reference;

    public IImageReference Reference => _reference;

    public Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default)
    {
        MemoryImage image = _reference.Image;
        if (instance is not { } i)
        {
            return Task.FromResult(image.Manifest ?? throw new ImageNotFoundException("empty memory image"));
        }
        if (image.Instances.TryGetValue(i, out ManifestBlob? blob))
        {
            return Task.FromResult(blob);
        }
        throw new ImageNotFoundException($"manifest {i} not found in memory image");
    }

    public Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default)
    {
        if (_reference.Image.Blobs.TryGetValue(blob.Digest, out byte[]? bytes))
        {
            return Task.FromResult<Stream>(new MemoryStream(bytes, writable: false));
        }
        throw new ImageNotFoundException($"blob {blob.Digest} not found in memory image");
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

public sealed class MemoryImageDestination : IImageDestination
{
    private readonly MemoryImageReference _reference;
    private readonly ConcurrentDictionary<Digest, byte[]> _blobs = new();
    private readonly ConcurrentDictionary<Digest, ManifestBlob> _instances = new();
    private ManifestBlob? _manifest;

    public MemoryImageDestination(MemoryImageReference reference) => _reference = reference;

    public IImageReference Reference => _reference;

    public IReadOnlyList<string> SupportedManifestMediaTypes => _reference.SupportedManifestMediaTypes;

    public Compression? DesiredLayerCompression => _reference.DesiredLayerCompression;

    public bool HasThreadSafePutBlob => _reference.HasThreadSafePutBlob;

    public Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default)
    {
        if (_reference.ReuseExistingBlobs && _reference.Image.Blobs.TryGetValue(blob.Descriptor.Digest, out byte[]? bytes))
        {
            _blobs[blob.Descriptor.Digest] = bytes;
            return Task.FromResult<Descriptor?>(blob.Descriptor with { Size = bytes.Length });
        }
        return Task.FromResult<Descriptor?>(null);
    }

    public async Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        _reference.CountPutBlob();
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        byte[] bytes = buffer.ToArray();
        Digest digest = Digest.Compute(bytes);
        if (!blob.Descriptor.Digest.IsEmpty && blob.Descriptor.Digest != digest)
        {
            throw new DigestMismatchException($"memory destination: blob {blob.Descriptor.Digest} hashed to {digest}");
        }
        _blobs[digest] = bytes;
        return blob.Descriptor with { Digest = digest, Size = bytes.Length };
    }

    public Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is { } i)
        {
            _instances[i] = manifest;
        }
        else
        {
            _manifest = manifest;
        }
        return Task.CompletedTask;
    }

    public Task CommitAsync(CancellationToken cancellationToken = default)
    {
        if (_manifest is null)
        {
            throw new InvalidOperationException("commit without a manifest");
        }
        MemoryImage image = _reference.Image;
        image.Blobs.Clear();
        image.Instances.Clear();
        foreach ((Digest d, byte[] b) in _blobs)
        {
            image.Blobs[d] = b;
        }
        foreach ((Digest d, ManifestBlob m) in _instances)
        {
            image.Instances[d] = m;
        }
        image.Manifest = _manifest;
        return Task.CompletedTask;
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
