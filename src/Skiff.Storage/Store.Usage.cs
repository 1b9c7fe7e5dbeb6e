
namespace Skiff.Storage;

public sealed partial class Store
{
    public StoreUsage GetUsage()
    {
        Indexes s = Read(state => state.Copy());
        long imagesSize = s.Layers.Sum(l => l.UncompressedSize)
            + s.Images.Sum(i => i.Size - LayerChainSize(s, i.TopLayer));
        long containersSize = s.Containers.Sum(c => FileSystem.TreeSize(_paths.LayerDiff(c.LayerId)));
        var usedLayers = new HashSet<string>(StringComparer.Ordinal);
        foreach (ContainerRecord container in s.Containers)
        {
            string? layer = s.Images.Find(i => i.Id == container.ImageId)?.TopLayer;
            while (layer is not null && usedLayers.Add(layer))
            {
                layer = s.Layers.Find(l => l.Id == layer)?.Parent;
            }
        }
        long reclaimable = s.Layers.Where(l => !usedLayers.Contains(l.Id)).Sum(l => l.UncompressedSize)
            + s.Images.Where(i => !s.Containers.Exists(c => c.ImageId == i.Id)).Sum(i => i.Size - LayerChainSize(s, i.TopLayer));
        return new StoreUsage(s.Images.Count, s.Layers.Count, s.Containers.Count, imagesSize, containersSize, reclaimable);
    }

    private static long LayerChainSize(Indexes s, string? top)
    {
        long size = 0;
        int guard = 0;
        while (top is not null && guard++ < 1000)
        {
            LayerRecord? layer = s.Layers.Find(l => l.Id == top);
            if (layer is null)
            {
                break;
            }
            size += layer.UncompressedSize;
            top = layer.Parent;
        }
        return size;
    }

    /// <summary>Unmounts and deletes everything in the store.</summary>
    public Task ResetAsync(CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(tx =>
        {
            foreach (ContainerRecord container in tx.State.Containers)
            {
                UnmountLayer(container.LayerId, force: true);
            }
            UnmountUnder(_paths.LayersDir);
            UnmountUnder(_paths.Tmp);
            tx.State.Layers.Clear();
            tx.State.Images.Clear();
            tx.State.Containers.Clear();
            foreach (string dir in (string[])[_paths.LayersDir, _paths.TarSplitDir, _paths.ImagesDir, _paths.ContainersDir, _paths.RunContainersDir, _paths.MountsDir])
            {
                tx.RemoveAfterCommit(dir);
                tx.RecreateAfterCommit(dir);
            }
            return 0;
        });
        return Task.CompletedTask;
    }
}
