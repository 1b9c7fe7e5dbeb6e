using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage.StorageTransport;

/// <summary>
/// Writes an image into the store. Each layer must be applied on its parent, so layers are applied strictly in
/// order: the layer that is next streams straight into <see cref="Store.PutLayerAsync"/> (one pass, no temp file);
/// one that arrives early (parallel copies) is staged to a temp file and applied when its turn comes. A layer the
/// store already has (by DiffID) is reused; one it lacks is fetched under a per-layer lock of the store, held until
/// the layer is committed, so concurrent pullers of the same layer fetch it once. Commit checks the layers against the
/// config's diff_ids and records the image with its name and repo digest.
/// </summary>
internal sealed class StorageImageDestination : IImageDestination
{
    private const long MaxConfigBytes = 64L * 1024 * 1024;

    private readonly StorageReference _reference;
    private readonly Store _store;
    private readonly SemaphoreSlim _apply = new(1, 1);
    private readonly Lock _gate = new();
    private readonly Dictionary<int, Pending> _pending = [];
    private readonly List<Digest> _appliedDiffIds = [];
    private readonly Dictionary<int, IDisposable> _held = [];
    private readonly Dictionary<int, TaskCompletionSource> _turns = [];
    private int _next;
    private string? _top;
    private byte[]? _config;
    private ManifestBlob? _manifest;
    private string? _stagingDir;

    private abstract record Pending(Digest? DiffId);

    private sealed record Staged(string Path, Digest? DiffId) : Pending(DiffId);

    private sealed record Reused(Digest KnownDiffId) : Pending(KnownDiffId);

    public StorageImageDestination(StorageReference reference)
    {
        _reference = reference;
        _store = reference.Store;
    }

    public IImageReference Reference => _reference;

    public IReadOnlyList<string> SupportedManifestMediaTypes { get; } = [MediaTypes.OciManifest, MediaTypes.DockerManifest];

    public Compression? DesiredLayerCompression => null;

    public bool HasThreadSafePutBlob => true;

    /// <summary>The image stored by <see cref="CommitAsync"/>.</summary>
    public ImageRecord? Image { get; private set; }

    public async Task<Descriptor?> TryReuseBlobAsync(BlobInfo blob, CancellationToken cancellationToken = default)
    {
        if (blob.IsConfig || blob.LayerIndex < 0 || blob.Descriptor.Digest.IsEmpty)
        {
            return null;
        }
        Digest? known;
        await WaitTurnAsync(blob.LayerIndex, cancellationToken).ConfigureAwait(false);
        try
        {
            known = FindStored(blob);
            if (known is null)
            {
                // Another puller may be fetching this very layer: wait for it, then look again, so the layer is fetched
                // once. Locks are taken in layer order (the turn), so no two pullers can wait on each other.
                IDisposable held = await _store.LockLayerDigestAsync(blob.DiffId ?? blob.Descriptor.Digest, cancellationToken).ConfigureAwait(false);
                known = FindStored(blob);
                if (known is null)
                {
                    lock (_gate)
                    {
                        _held[blob.LayerIndex] = held;
                    }
                    return null;
                }
                held.Dispose();
            }
        }
        finally
        {
            PassTurn(blob.LayerIndex);
        }
        lock (_gate)
        {
            _pending[blob.LayerIndex] = new Reused(known.Value);
        }
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        return blob.Descriptor;
    }

    /// <summary>The DiffID of a layer the store has that this blob would produce, or null.</summary>
    private Digest? FindStored(BlobInfo blob)
    {
        Digest? diffId = blob.DiffId;
        if (_store.FindLayerByCompressedDigest(blob.Descriptor.Digest) is { } byBlob)
        {
            if (diffId is { } d && d != byBlob.DiffId)
            {
                return null;
            }
            diffId = byBlob.DiffId;
        }
        if (diffId is null && MediaTypes.CompressionOf(blob.Descriptor.MediaType) == Compression.None)
        {
            diffId = blob.Descriptor.Digest;
        }
        return diffId is { } known && _store.ListLayers().Any(l => l.DiffId == known) ? known : null;
    }

    /// <summary>Waits until every lower layer has decided whether to fetch (and taken its lock if so).</summary>
    private Task WaitTurnAsync(int layerIndex, CancellationToken cancellationToken) =>
        layerIndex == 0 ? Task.CompletedTask : Turn(layerIndex - 1).Task.WaitAsync(cancellationToken);

    private void PassTurn(int layerIndex) => Turn(layerIndex).TrySetResult();

    private TaskCompletionSource Turn(int layerIndex)
    {
        lock (_gate)
        {
            if (!_turns.TryGetValue(layerIndex, out TaskCompletionSource? turn))
            {
                turn = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _turns[layerIndex] = turn;
            }
            return turn;
        }
    }

    public async Task<Descriptor> PutBlobAsync(Stream content, BlobInfo blob, CancellationToken cancellationToken = default)
    {
        if (blob.IsConfig)
        {
            byte[] config = await ReadAllAsync(content, MaxConfigBytes, cancellationToken).ConfigureAwait(false);
            Digest digest = Digest.Compute(config);
            if (!blob.Descriptor.Digest.IsEmpty && digest != blob.Descriptor.Digest)
            {
                throw new DigestMismatchException($"config digest mismatch: expected {blob.Descriptor.Digest}, got {digest}");
            }
            _config = config;
            return blob.Descriptor with { Digest = digest, Size = config.Length };
        }
        if (blob.LayerIndex < 0)
        {
            throw new SkiffException("containers-storage: a blob that is neither config nor layer cannot be stored");
        }

        // A layer written without asking TryReuseBlobAsync first (recompressed on the way) takes no lock: its turn passes.
        PassTurn(blob.LayerIndex);

        // Hash what passes, so the descriptor returned is right even when the copier changed the bytes.
        await using var hashing = new DigestingStream(content, blob.Descriptor.Digest.IsEmpty ? null : blob.Descriptor.Digest, blob.Descriptor.Size, leaveOpen: true);
        bool direct;
        lock (_gate)
        {
            direct = blob.LayerIndex == _next && !_pending.ContainsKey(blob.LayerIndex) && _apply.Wait(0);
        }
        if (direct)
        {
            try
            {
                await ApplyAsync(hashing, blob.DiffId, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                _apply.Release();
            }
        }
        else
        {
            string path = await StageAsync(hashing, cancellationToken).ConfigureAwait(false);
            lock (_gate)
            {
                _pending[blob.LayerIndex] = new Staged(path, blob.DiffId);
            }
        }
        hashing.Verify();
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        return blob.Descriptor with { Digest = hashing.Digest, Size = hashing.BytesProcessed };
    }

    /// <summary>Applies the layer that is next, on the current top. The caller holds the apply lock.</summary>
    private async Task ApplyAsync(Stream tar, Digest? diffId, CancellationToken cancellationToken)
    {
        LayerRecord? layer = diffId is { } d ? _store.GetLayer(Store.ComputeLayerId(_top, d)) : null;
        if (layer is not null)
        {
            // Already stored on this very parent: the bytes are still read, so the digest check at end of stream runs.
            await tar.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            layer = await _store.PutLayerAsync(tar, _top, diffId, null, cancellationToken).ConfigureAwait(false);
        }
        Advance(layer);
    }

    private void Advance(LayerRecord layer)
    {
        lock (_gate)
        {
            // The layer is committed: pullers waiting for it may look again.
            if (_held.Remove(_next, out IDisposable? held))
            {
                held.Dispose();
            }
            _top = layer.Id;
            _appliedDiffIds.Add(layer.DiffId);
            _next++;
        }
    }

    /// <summary>Applies, in order, every staged or reused layer whose turn has come.</summary>
    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        await _apply.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            while (true)
            {
                Pending? p;
                lock (_gate)
                {
                    if (!_pending.Remove(_next, out p))
                    {
                        return;
                    }
                }
                switch (p)
                {
                    case Staged s:
                        try
                        {
                            await using var fs = new FileStream(s.Path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
                            await ApplyAsync(fs, s.DiffId, cancellationToken).ConfigureAwait(false);
                        }
                        finally
                        {
                            File.Delete(s.Path);
                        }
                        break;
                    case Reused r:
                        await ApplyReusedAsync(r.KnownDiffId, cancellationToken).ConfigureAwait(false);
                        break;
                }
            }
        }
        finally
        {
            _apply.Release();
        }
    }

    /// <summary>A layer known by DiffID: either already on this parent, or copied from wherever the store has it.</summary>
    private async Task ApplyReusedAsync(Digest diffId, CancellationToken cancellationToken)
    {
        if (_store.GetLayer(Store.ComputeLayerId(_top, diffId)) is { } existing)
        {
            Advance(existing);
            return;
        }
        LayerRecord other = _store.ListLayers().FirstOrDefault(l => l.DiffId == diffId)
            ?? throw new LayerNotFoundException($"layer with diff id {diffId} disappeared from the store");
        await using Stream tar = LayerTarStream.Open(_store, other.Id);
        LayerRecord layer = await _store.PutLayerAsync(tar, _top, diffId, null, cancellationToken).ConfigureAwait(false);
        Advance(layer);
    }

    private async Task<string> StageAsync(Stream content, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_stagingDir is null)
            {
                string parent = Environment.GetEnvironmentVariable("TMPDIR") is { Length: > 0 } t ? t : "/var/tmp";
                _stagingDir = Path.Combine(parent, $"skiff-storage-dest-{Guid.NewGuid():N}");
                Directory.CreateDirectory(_stagingDir, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }
        string path = Path.Combine(_stagingDir, Guid.NewGuid().ToString("N"));
        try
        {
            await using var fs = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await content.CopyToAsync(fs, cancellationToken).ConfigureAwait(false);
            return path;
        }
        catch
        {
            File.Delete(path);
            throw;
        }
    }

    public Task PutManifestAsync(ManifestBlob manifest, Digest? instance = null, CancellationToken cancellationToken = default)
    {
        if (instance is not null || !MediaTypes.IsManifest(manifest.MediaType))
        {
            throw new SkiffException($"containers-storage stores single images, not {manifest.MediaType}");
        }
        _manifest = manifest;
        return Task.CompletedTask;
    }

    public async Task CommitAsync(CancellationToken cancellationToken = default)
    {
        ManifestBlob manifestBlob = _manifest ?? throw new InvalidOperationException("commit before the manifest was written");
        byte[] config = _config ?? throw new InvalidOperationException("commit before the config was written");
        await DrainAsync(cancellationToken).ConfigureAwait(false);
        ImageManifest manifest = ImageManifest.Parse(manifestBlob.Bytes);
        ImageConfig parsed = ImageConfig.Parse(config);
        lock (_gate)
        {
            if (_next != manifest.Layers.Count)
            {
                throw new SkiffException($"containers-storage: layer {_next} of {manifest.Layers.Count} was never written");
            }
            if (!_appliedDiffIds.SequenceEqual(parsed.RootFs.DiffIds))
            {
                throw new DigestMismatchException("the layers written do not match the config's diff_ids");
            }
        }
        var names = new List<string>();
        var repoDigests = new List<string>();
        if (_reference.Name is { } name)
        {
            if (name.Tag is not null)
            {
                names.Add(name.ToString());
            }
            repoDigests.Add($"{name.Name}@{manifestBlob.Digest}");
        }
        Image = await _store.PutImageAsync(new NewImage
        {
            ConfigBytes = config,
            Manifest = manifestBlob,
            TopLayer = _top,
            Names = names,
            RepoDigests = repoDigests,
        }, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<byte[]> ReadAllAsync(Stream content, long max, CancellationToken cancellationToken)
    {
        using var ms = new MemoryStream();
        byte[] buffer = new byte[81920];
        int n;
        while ((n = await content.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > max)
            {
                throw new MalformedImageException($"config is above the limit of {max} bytes");
            }
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    public ValueTask DisposeAsync()
    {
        lock (_gate)
        {
            foreach (IDisposable held in _held.Values)
            {
                held.Dispose();
            }
            _held.Clear();
        }
        if (_stagingDir is not null)
        {
            try
            {
                Directory.Delete(_stagingDir, recursive: true);
            }
            catch (IOException)
            {
            }
        }
        _apply.Dispose();
        return ValueTask.CompletedTask;
    }
}
