using System.Globalization;
using System.Text;
using Skiff.Interop;

namespace Skiff.Storage;

public sealed partial class Store
{
    // Kernel limit for mount(2) option data (one page).
    private const int MaxMountData = 4000;

    /// <summary>Mounts the container's root filesystem (overlay of its layers) and returns the path; counts mounts.</summary>
    public Task<string> MountContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        string path = Write(tx =>
        {
            ContainerRecord container = FindContainer(tx.State, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            string layerId = container.LayerId;
            int count = ReadMountCount(layerId);
            if (_paths.Driver == "vfs")
            {
                WriteMountCount(layerId, count + 1);
                return _paths.LayerDiff(layerId);
            }
            string merged = _paths.LayerMerged(layerId);
            if (count > 0 && IsMounted(merged))
            {
                WriteMountCount(layerId, count + 1);
                return merged;
            }
            string? top = container.ImageId is null ? null : tx.State.Images.Find(i => i.Id == container.ImageId)?.TopLayer;
            List<LayerRecord> chain = LayerChain(tx.State, top);
            MountOverlay(layerId, chain);
            WriteMountCount(layerId, 1);
            return merged;
        });
        return Task.FromResult(path);
    }

    public Task UnmountContainerAsync(string id, bool force = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(tx =>
        {
            ContainerRecord container = FindContainer(tx.State, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            UnmountLayer(container.LayerId, force);
            return 0;
        });
        return Task.CompletedTask;
    }

    /// <summary>Whether the container's root filesystem is mounted now.</summary>
    public bool IsContainerMounted(string id)
    {
        return Read(s =>
        {
            ContainerRecord container = FindContainer(s, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            return _paths.Driver == "vfs" ? ReadMountCount(container.LayerId) > 0 : IsMounted(_paths.LayerMerged(container.LayerId));
        });
    }

    /// <summary>Drops one mount reference (all with <paramref name="force"/>) and unmounts at zero. Call under the exclusive lock.</summary>
    private void UnmountLayer(string layerId, bool force)
    {
        int count = ReadMountCount(layerId);
        int next = force ? 0 : Math.Max(0, count - 1);
        if (next == 0 && _paths.Driver == "overlay")
        {
            string merged = _paths.LayerMerged(layerId);
            while (IsMounted(merged))
            {
                try
                {
                    Mounts.Unmount(merged);
                }
                catch (SystemCallException e) when (e.Errno == Errnos.EBUSY)
                {
                    Mounts.Unmount(merged, Mounts.MNT_DETACH);
                }
                catch (SystemCallException e) when (e.Errno == Errnos.EINVAL)
                {
                    break;
                }
            }
        }
        WriteMountCount(layerId, next);
    }

    private void MountOverlay(string layerId, List<LayerRecord> chain)
    {
        var lowers = new List<string>(chain.Count);
        foreach (LayerRecord layer in chain)
        {
            lowers.Add(LowerPath(layer.Id));
        }
        if (lowers.Count == 0)
        {
            // overlayfs needs a lower layer; a scratch container gets an empty one.
            Directory.CreateDirectory(_paths.EmptyLower);
            lowers.Add(_paths.EmptyLower);
        }
        string merged = _paths.LayerMerged(layerId);
        Directory.CreateDirectory(merged);
        Directory.CreateDirectory(_paths.LayerWork(layerId));
        string data = $"lowerdir={string.Join(':', lowers)},upperdir={_paths.LayerDiff(layerId)},workdir={_paths.LayerWork(layerId)}";
        if (data.Length > MaxMountData)
        {
            throw new StorageException($"container layer {layerId}: {chain.Count} layers are too many to mount with overlay");
        }
        try
        {
            // index=off as containers/storage does: layers are shared between mounts, and the index would tie
            // each lower layer to the first upper that used it.
            Mounts.Mount("overlay", merged, "overlay", Mounts.MS_NODEV, data + ",index=off");
        }
        catch (SystemCallException e) when (e.Errno == Errnos.EINVAL)
        {
            Mounts.Mount("overlay", merged, "overlay", Mounts.MS_NODEV, data);
        }
    }

    /// <summary>A short path for a lower layer (GraphRoot/overlay/l/PREFIX), so long chains fit in one page of mount data.</summary>
    private string LowerPath(string layerId)
    {
        string diff = _paths.LayerDiff(layerId);
        string link = Path.Combine(_paths.ShortLinks, layerId[..20]);
        string target = Path.Combine("..", layerId, "diff");
        try
        {
            var info = new FileInfo(link);
            if (info.LinkTarget is null)
            {
                Directory.CreateDirectory(_paths.ShortLinks);
                File.CreateSymbolicLink(link, target);
                return link;
            }
            return info.LinkTarget == target ? link : diff;
        }
        catch (IOException)
        {
            return diff;
        }
    }

    private static bool IsMounted(string path) => Mounts.ListMountPoints().Contains(path);

    private int ReadMountCount(string layerId)
    {
        try
        {
            string text = File.ReadAllText(_paths.MountCount(layerId)).Trim();
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int n) ? n : 0;
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return 0;
        }
    }

    private void WriteMountCount(string layerId, int count)
    {
        if (count == 0)
        {
            FileSystem.TryDeleteFile(_paths.MountCount(layerId));
            return;
        }
        Directory.CreateDirectory(_paths.MountsDir);
        FileSystem.WriteAtomic(_paths.MountCount(layerId), Encoding.ASCII.GetBytes(count.ToString(CultureInfo.InvariantCulture)));
    }
}
