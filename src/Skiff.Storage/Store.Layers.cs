using System.Security.Cryptography;
using System.Text;
using Skiff.Archive;
using Skiff.Image;

namespace Skiff.Storage;

public sealed partial class Store
{
    public LayerRecord? GetLayer(string id) => Read(s => s.Layers.Find(l => l.Id == id));

    /// <summary>A stored layer that came from the compressed blob <paramref name="digest"/>, for reusing blobs on pull.</summary>
    public LayerRecord? FindLayerByCompressedDigest(Digest digest) => Read(s => s.Layers.Find(l => l.CompressedDigest == digest));

    /// <summary>The id a layer with <paramref name="diffId"/> on top of <paramref name="parentLayerId"/> has (or would have) here.</summary>
    public static string ComputeLayerId(string? parentLayerId, Digest diffId) => ChainId(parentLayerId, diffId);

    /// <summary>
    /// Extracts a layer tar (any compression) on top of <paramref name="parentLayerId"/>. When <paramref name="expectedDiffId"/>
    /// is given and differs, throws DigestMismatchException and stores nothing. Returns the existing record if the
    /// resulting chain id is already stored.
    /// </summary>
    public async Task<LayerRecord> PutLayerAsync(Stream layer, string? parentLayerId, Digest? expectedDiffId = null, Digest? compressedDigest = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(layer);
        if (parentLayerId is not null && GetLayer(parentLayerId) is null)
        {
            throw new LayerNotFoundException($"parent layer {parentLayerId} not found in the store");
        }

        using var staging = new StagingDirectory(_paths.Tmp);
        string layerDir = Path.Combine(staging.Path, "layer");
        string diffDir = Path.Combine(layerDir, "diff");
        string tarSplitPath = Path.Combine(staging.Path, "tar-split");
        Directory.CreateDirectory(layerDir);
        bool vfs = _paths.Driver == "vfs";
        if (vfs && parentLayerId is not null)
        {
            await CopyParentTreeAsync(parentLayerId, diffDir, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            Directory.CreateDirectory(diffDir);
        }

        using var counting = new HashingReadStream(layer);
        ExtractResult result;
        await using (var tarSplit = new FileStream(tarSplitPath, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: false))
        {
            result = await LayerArchive.ExtractAsync(counting, diffDir, vfs ? WhiteoutMode.Apply : WhiteoutMode.Overlay, tarSplit, cancellationToken).ConfigureAwait(false);
            await counting.DrainAsync(cancellationToken).ConfigureAwait(false);
            tarSplit.Flush(flushToDisk: true);
        }

        if (expectedDiffId is { } expected && expected != result.DiffId)
        {
            throw new DigestMismatchException($"layer diff id mismatch: expected {expected}, got {result.DiffId}");
        }
        Digest? compressed = null;
        long compressedSize = 0;
        if (result.Compression != Compression.None)
        {
            compressed = counting.Digest;
            compressedSize = counting.BytesRead;
            if (compressedDigest is { } given && given != compressed)
            {
                throw new DigestMismatchException($"layer blob digest mismatch: expected {given}, got {compressed}");
            }
        }
        else if (compressedDigest is { } given && given != result.DiffId)
        {
            // An uncompressed blob is its own diff: its digest must be the diff id.
            throw new DigestMismatchException($"layer blob digest mismatch: expected {given}, got {result.DiffId}");
        }

        string id = ChainId(parentLayerId, result.DiffId);
        return Write(tx =>
        {
            Indexes s = tx.State;
            if (s.Layers.Find(l => l.Id == id) is { } existing)
            {
                return existing;
            }
            if (parentLayerId is not null && s.Layers.Find(l => l.Id == parentLayerId) is null)
            {
                throw new LayerNotFoundException($"parent layer {parentLayerId} was removed while layer {id} was being stored");
            }
            MoveIntoPlace(layerDir, _paths.LayerDir(id));
            File.Move(tarSplitPath, _paths.TarSplit(id), overwrite: true);
            CrashPoint?.Invoke("moved");
            Skiff.Interop.FileSync.SyncDirectory(_paths.LayersDir);
            Skiff.Interop.FileSync.SyncDirectory(_paths.TarSplitDir);
            var record = new LayerRecord
            {
                Id = id,
                Parent = parentLayerId,
                DiffId = result.DiffId,
                UncompressedSize = result.UncompressedSize,
                CompressedDigest = compressed,
                CompressedSize = compressedSize,
                Created = DateTimeOffset.UtcNow,
            };
            s.Layers.Add(record);
            return record;
        });
    }

    /// <summary>
    /// vfs: copies the parent's full tree as the base of a new layer. The copy runs unlocked, so the parent may be
    /// removed (and even stored again) meanwhile; a copy is trusted only if the same parent record was there
    /// before and after it.
    /// </summary>
    private async Task CopyParentTreeAsync(string parentLayerId, string diffDir, CancellationToken cancellationToken)
    {
        for (int attempt = 0; ; attempt++)
        {
            LayerRecord before = GetLayer(parentLayerId)
                ?? throw new LayerNotFoundException($"parent layer {parentLayerId} was removed while layer was being stored");
            FileSystem.DeleteTree(diffDir);
            StorageException? failure = null;
            try
            {
                await FileSystem.CopyTreeAsync(_paths.LayerDiff(parentLayerId), diffDir, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException e)
            {
                failure = e;
            }
            LayerRecord after = GetLayer(parentLayerId)
                ?? throw new LayerNotFoundException($"parent layer {parentLayerId} was removed while layer was being stored");
            if (after == before)
            {
                if (failure is not null)
                {
                    throw failure;
                }
                return;
            }
            if (attempt >= 3)
            {
                throw new StorageException($"parent layer {parentLayerId} keeps changing while layer is being stored", failure);
            }
        }
    }

    /// <summary>Writes the layer's uncompressed tar, bit-identical to the one it was made from (its DiffID holds).</summary>
    public async Task WriteLayerTarAsync(string layerId, Stream output, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        if (GetLayer(layerId) is null)
        {
            throw new LayerNotFoundException($"layer {layerId} not found in the store");
        }
        FileStream tarSplit;
        try
        {
            tarSplit = new FileStream(_paths.TarSplit(layerId), FileMode.Open, FileAccess.Read, FileShare.Read, 81920, useAsync: false);
        }
        catch (FileNotFoundException)
        {
            throw new LayerNotFoundException($"layer {layerId}: tar-split {_paths.TarSplit(layerId)} is missing");
        }
        await using (tarSplit.ConfigureAwait(false))
        {
            await LayerArchive.ReassembleAsync(_paths.LayerDiff(layerId), tarSplit, output, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The chain id: the diff id for a base layer, else sha256 of "PARENT-CHAIN-ID DIFF-ID" (OCI image spec).</summary>
    internal static string ChainId(string? parentLayerId, Digest diffId)
    {
        if (parentLayerId is null)
        {
            return diffId.Hex;
        }
        byte[] hash = SHA256.HashData(Encoding.UTF8.GetBytes($"sha256:{parentLayerId} {diffId}"));
        return Convert.ToHexStringLower(hash);
    }

    /// <summary>The chain of <paramref name="topLayerId"/>, top first; throws when a link is missing.</summary>
    private static List<LayerRecord> LayerChain(Indexes s, string? topLayerId)
    {
        var chain = new List<LayerRecord>();
        string? id = topLayerId;
        while (id is not null)
        {
            LayerRecord layer = s.Layers.Find(l => l.Id == id)
                ?? throw new LayerNotFoundException($"layer {id} not found in the store");
            chain.Add(layer);
            id = layer.Parent;
            if (chain.Count > 1000)
            {
                throw new StorageException($"layer {topLayerId}: parent chain loops");
            }
        }
        return chain;
    }

    /// <summary>Renames a staged directory to its final place, moving aside an unrecorded leftover already there.</summary>
    private void MoveIntoPlace(string staged, string target)
    {
        if (Path.Exists(target))
        {
            string? moved = MoveToTrash(target);
            if (moved is not null)
            {
                FileSystem.DeleteTree(moved);
            }
        }
        Directory.Move(staged, target);
    }

    /// <summary>Removes layers from <paramref name="topLayerId"/> downwards while nothing else uses them.</summary>
    private static List<string> RemoveUnusedLayers(Transaction tx, string? topLayerId, StorePaths paths)
    {
        var removed = new List<string>();
        Indexes s = tx.State;
        string? id = topLayerId;
        while (id is not null)
        {
            string current = id;
            int index = s.Layers.FindIndex(l => l.Id == current);
            if (index < 0
                || s.Images.Exists(i => i.TopLayer == current)
                || s.Layers.Exists(l => l.Parent == current))
            {
                break;
            }
            LayerRecord layer = s.Layers[index];
            s.Layers.RemoveAt(index);
            tx.RemoveAfterCommit(paths.LayerDir(current));
            tx.RemoveAfterCommit(paths.TarSplit(current));
            removed.Add(current);
            id = layer.Parent;
        }
        return removed;
    }

    /// <summary>Reads through, hashing and counting what passes (the compressed blob as it came).</summary>
    private sealed class HashingReadStream(Stream inner) : Stream
    {
        private readonly DigestHasher _hasher = new();

        public long BytesRead => _hasher.BytesHashed;
        public Digest Digest => _hasher.GetDigest();

        public async Task DrainAsync(CancellationToken cancellationToken)
        {
            byte[] buffer = new byte[81920];
            while (await ReadAsync(buffer, cancellationToken).ConfigureAwait(false) > 0)
            {
            }
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => BytesRead; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            int n = inner.Read(buffer);
            _hasher.Append(buffer[..n]);
            return n;
        }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            int n = await inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            _hasher.Append(buffer.Span[..n]);
            return n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _hasher.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
