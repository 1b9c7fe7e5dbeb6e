using System.IO.Pipelines;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage.StorageTransport;

/// <summary>
/// Reads an image out of the store. The store keeps layers unpacked, so they are served as the uncompressed tars
/// they were made from (named by DiffID), and the manifest is rewritten to say so, as c/image's storage source does
/// through LayerInfosForCopy. A manifest that already lists exactly those tars is served unchanged.
/// </summary>
internal sealed class StorageImageSource : IImageSource
{
    private readonly StorageReference _reference;
    private readonly byte[] _config;
    private readonly Digest _configDigest;
    private readonly Dictionary<Digest, LayerRecord> _layers;
    private readonly ManifestBlob _manifest;

    private StorageImageSource(StorageReference reference, byte[] config, Dictionary<Digest, LayerRecord> layers, ManifestBlob manifest)
    {
        _reference = reference;
        _config = config;
        _configDigest = Digest.Compute(config);
        _layers = layers;
        _manifest = manifest;
    }

    public IImageReference Reference => _reference;

    public static Task<StorageImageSource> OpenAsync(StorageReference reference, ImageRecord image, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Store store = reference.Store;
        byte[] config = store.ReadImageConfig(image);
        ImageConfig parsed = ImageConfig.Parse(config);
        List<LayerRecord> chain = LayerChain(store, image);
        IReadOnlyList<Digest> diffIds = parsed.RootFs.DiffIds;
        if (chain.Count != diffIds.Count || !chain.Select(l => l.DiffId).SequenceEqual(diffIds))
        {
            throw new MalformedImageException($"image {image.Id}: its {chain.Count} stored layers do not match the config's {diffIds.Count} diff_ids");
        }

        ManifestBlob stored = store.ReadImageManifest(image);
        ImageManifest? manifest = null;
        if (MediaTypes.IsManifest(stored.MediaType))
        {
            manifest = ImageManifest.Parse(stored.Bytes);
        }
        bool docker = stored.MediaType == MediaTypes.DockerManifest;
        var layers = chain.Select(l => new Descriptor
        {
            MediaType = docker ? MediaTypes.DockerLayer : MediaTypes.OciLayer,
            Digest = l.DiffId,
            Size = l.UncompressedSize,
        }).ToList();
        var configDescriptor = new Descriptor { MediaType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest = Digest.Compute(config), Size = config.Length };

        ManifestBlob served;
        if (manifest is not null
            && manifest.Config.Digest == configDescriptor.Digest
            && manifest.Layers.Select(l => (l.Digest, l.Size, l.MediaType)).SequenceEqual(layers.Select(l => (l.Digest, l.Size, l.MediaType))))
        {
            served = stored;
        }
        else
        {
            ImageManifest rewritten = (manifest ?? new ImageManifest()) with
            {
                MediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest,
                Config = manifest?.Config is { } c && c.Digest == configDescriptor.Digest ? c : configDescriptor,
                Layers = layers,
            };
            served = new ManifestBlob(rewritten.ToJson(), rewritten.MediaType!);
        }
        var byDiffId = new Dictionary<Digest, LayerRecord>();
        foreach (LayerRecord l in chain)
        {
            byDiffId.TryAdd(l.DiffId, l);
        }
        return Task.FromResult(new StorageImageSource(reference, config, byDiffId, served));
    }

    /// <summary>The image's layers, base first.</summary>
    internal static List<LayerRecord> LayerChain(Store store, ImageRecord image)
    {
        var chain = new List<LayerRecord>();
        string? id = image.TopLayer;
        while (id is not null)
        {
            LayerRecord layer = store.GetLayer(id) ?? throw new LayerNotFoundException($"image {image.Id}: layer {id} is missing from the store");
            chain.Add(layer);
            id = layer.Parent;
            if (chain.Count > 10_000)
            {
                throw new MalformedImageException($"image {image.Id}: layer chain loops");
            }
        }
        chain.Reverse();
        return chain;
    }

    public Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is { } i && i != _manifest.Digest)
        {
            throw new ImageNotFoundException($"{_reference}: no manifest {i} (the store keeps one manifest per image)");
        }
        return Task.FromResult(_manifest);
    }

    public Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default)
    {
        if (blob.Digest == _configDigest)
        {
            return Task.FromResult<Stream>(new MemoryStream(_config, writable: false));
        }
        if (!_layers.TryGetValue(blob.Digest, out LayerRecord? layer))
        {
            throw new ImageNotFoundException($"{_reference}: no blob {blob.Digest}");
        }
        return Task.FromResult<Stream>(LayerTarStream.Open(_reference.Store, layer.Id));
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}

/// <summary>
/// A readable stream of a stored layer's tar: <see cref="Store.WriteLayerTarAsync"/> writes into a pipe on a
/// producer task. Its errors surface to the reader; disposing early stops the producer.
/// </summary>
internal sealed class LayerTarStream : Stream
{
    private readonly Stream _reader;
    private readonly CancellationTokenSource _cts;
    private readonly Task _producer;

    private LayerTarStream(Stream reader, CancellationTokenSource cts, Task producer)
    {
        _reader = reader;
        _cts = cts;
        _producer = producer;
    }

    public static LayerTarStream Open(Store store, string layerId)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        var cts = new CancellationTokenSource();
        Task producer = Task.Run(async () =>
        {
            Exception? error = null;
            try
            {
                await using Stream sink = pipe.Writer.AsStream(leaveOpen: true);
                await store.WriteLayerTarAsync(layerId, sink, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }
            await pipe.Writer.CompleteAsync(error).ConfigureAwait(false);
        }, CancellationToken.None);
        return new LayerTarStream(pipe.Reader.AsStream(), cts, producer);
    }

    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override int Read(byte[] buffer, int offset, int count) => _reader.Read(buffer, offset, count);

    public override int Read(Span<byte> buffer) => _reader.Read(buffer);

    public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        _reader.ReadAsync(buffer, cancellationToken);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        _reader.ReadAsync(buffer, offset, count, cancellationToken);

    public override void Flush() { }
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    private bool _disposed;

    protected override void Dispose(bool disposing)
    {
        if (disposing && !_disposed)
        {
            _disposed = true;
            _cts.Cancel();
            _reader.Dispose();
            _producer.ContinueWith(_ => _cts.Dispose(), TaskScheduler.Default);
        }
        base.Dispose(disposing);
    }

    public override async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        await _cts.CancelAsync().ConfigureAwait(false);
        await _reader.DisposeAsync().ConfigureAwait(false);
        await _producer.ConfigureAwait(false);
        _cts.Dispose();
        GC.SuppressFinalize(this);
    }
}
