using Skiff.Image;

namespace Skiff.Storage;

public sealed partial class Store
{
    /// <summary>Verifies every layer against its DiffID and every image's config/manifest; with repair, removes what is damaged.</summary>
    /// <remarks>Layers are reassembled outside the lock (it is slow); repair then re-checks under the lock that the
    /// damaged records are still the ones it examined.</remarks>
    public async Task<CheckReport> CheckAsync(bool repair, CancellationToken cancellationToken = default)
    {
        Indexes snapshot = Read(s => s.Copy());
        var problems = new List<CheckProblem>();
        var damagedLayers = new HashSet<string>(StringComparer.Ordinal);
        foreach (LayerRecord layer in snapshot.Layers)
        {
            string? problem = await CheckLayerAsync(layer, cancellationToken).ConfigureAwait(false);
            if (problem is not null && GetLayer(layer.Id) is not null)
            {
                problems.Add(new CheckProblem("layer", layer.Id, problem));
                damagedLayers.Add(layer.Id);
            }
        }
        // A layer whose parent is damaged is damaged too: its tree (overlay) or chain id no longer holds.
        bool grew = true;
        while (grew)
        {
            grew = false;
            foreach (LayerRecord layer in snapshot.Layers)
            {
                if (layer.Parent is not null && !damagedLayers.Contains(layer.Id)
                    && (damagedLayers.Contains(layer.Parent) || !snapshot.Layers.Exists(l => l.Id == layer.Parent)))
                {
                    damagedLayers.Add(layer.Id);
                    problems.Add(new CheckProblem("layer", layer.Id, $"parent layer {layer.Parent} is damaged or missing"));
                    grew = true;
                }
            }
        }

        var damagedImages = new HashSet<string>(StringComparer.Ordinal);
        foreach (ImageRecord image in snapshot.Images)
        {
            string? problem = CheckImage(snapshot, image, damagedLayers);
            if (problem is not null)
            {
                problems.Add(new CheckProblem("image", image.Id, problem));
                damagedImages.Add(image.Id);
            }
        }
        foreach (ContainerRecord container in snapshot.Containers)
        {
            if (container.ImageId is not null && !snapshot.Images.Exists(i => i.Id == container.ImageId))
            {
                problems.Add(new CheckProblem("container", container.Id, $"image {container.ImageId} is missing"));
            }
            else if (!Directory.Exists(_paths.LayerDiff(container.LayerId)))
            {
                problems.Add(new CheckProblem("container", container.Id, $"read-write layer {container.LayerId} is missing"));
            }
        }

        if (!repair || problems.Count == 0)
        {
            return new CheckReport(problems, []);
        }

        List<string> removed = Write(tx =>
        {
            var gone = new List<string>();
            Indexes s = tx.State;
            var badContainers = problems.Where(p => p.Kind == "container").Select(p => p.Id).ToHashSet(StringComparer.Ordinal);
            foreach (ContainerRecord container in s.Containers.ToArray())
            {
                if (badContainers.Contains(container.Id) || (container.ImageId is not null && damagedImages.Contains(container.ImageId)))
                {
                    RemoveContainer(tx, container);
                    gone.Add(container.Id);
                }
            }
            foreach (ImageRecord image in s.Images.ToArray())
            {
                if (damagedImages.Contains(image.Id))
                {
                    s.Images.Remove(image);
                    tx.RemoveAfterCommit(_paths.ImageDir(image.Id));
                    gone.Add(image.Id);
                }
            }
            // Children first, so no record is left pointing at a removed parent.
            foreach (LayerRecord layer in s.Layers.Where(l => damagedLayers.Contains(l.Id)).OrderByDescending(l => Depth(s, l)).ToArray())
            {
                if (s.Images.Exists(i => i.TopLayer == layer.Id) || s.Layers.Exists(l => l.Parent == layer.Id))
                {
                    continue;
                }
                s.Layers.Remove(layer);
                tx.RemoveAfterCommit(_paths.LayerDir(layer.Id));
                tx.RemoveAfterCommit(_paths.TarSplit(layer.Id));
                gone.Add(layer.Id);
            }
            return gone;
        });
        return new CheckReport(problems, removed);
    }

    private static int Depth(Indexes s, LayerRecord layer)
    {
        int depth = 0;
        string? parent = layer.Parent;
        while (parent is not null && depth < 1000)
        {
            depth++;
            parent = s.Layers.Find(l => l.Id == parent)?.Parent;
        }
        return depth;
    }

    private async Task<string?> CheckLayerAsync(LayerRecord layer, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(_paths.LayerDiff(layer.Id)))
        {
            return $"diff directory {_paths.LayerDiff(layer.Id)} is missing";
        }
        if (!File.Exists(_paths.TarSplit(layer.Id)))
        {
            return $"tar-split {_paths.TarSplit(layer.Id)} is missing";
        }
        using var hasher = new DigestHasher();
        var sink = new HashingWriteStream(hasher);
        try
        {
            await WriteLayerTarAsync(layer.Id, sink, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SkiffException or InvalidDataException)
        {
            return $"cannot reassemble the layer: {e.Message}";
        }
        Digest actual = hasher.GetDigest();
        if (actual != layer.DiffId)
        {
            return $"content does not match diff id: expected {layer.DiffId}, got {actual}";
        }
        return null;
    }

    private string? CheckImage(Indexes s, ImageRecord image, HashSet<string> damagedLayers)
    {
        byte[] config;
        byte[] manifest;
        try
        {
            config = ReadImageConfig(image);
            manifest = ReadImageManifest(image).Bytes;
        }
        catch (ImageNotFoundException e)
        {
            return e.Message;
        }
        if (Digest.Compute(config) != image.ConfigDigest)
        {
            return $"config does not match its digest {image.ConfigDigest}";
        }
        if (Digest.Compute(manifest) != image.ManifestDigest)
        {
            return $"manifest does not match its digest {image.ManifestDigest}";
        }
        string? id = image.TopLayer;
        while (id is not null)
        {
            if (damagedLayers.Contains(id))
            {
                return $"layer {id} is damaged";
            }
            LayerRecord? layer = s.Layers.Find(l => l.Id == id);
            if (layer is null)
            {
                return $"layer {id} is missing";
            }
            id = layer.Parent;
        }
        return null;
    }

    private sealed class HashingWriteStream(DigestHasher hasher) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => hasher.BytesHashed;
        public override long Position { get => hasher.BytesHashed; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => hasher.Append(buffer.AsSpan(offset, count));
        public override void Write(ReadOnlySpan<byte> buffer) => hasher.Append(buffer);

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            hasher.Append(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            hasher.Append(buffer.AsSpan(offset, count));
            return Task.CompletedTask;
        }
    }
}
