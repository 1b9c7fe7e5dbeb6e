using Skiff.Interop;

namespace Skiff.Storage;

public sealed partial class Store
{
    /// <summary>
    /// overlay unless asked for vfs; an existing store keeps the driver it was made with, and a new one falls back
    /// to vfs when an overlay mount is refused here (no overlayfs, or a graph root on overlayfs itself).
    /// </summary>
    private static string ChooseDriver(string graphRoot, string requested)
    {
        if (requested == "vfs")
        {
            string overlay = Path.Combine(graphRoot, "overlay");
            if (Directory.Exists(overlay) && Directory.EnumerateFileSystemEntries(overlay).Any(e => Path.GetFileName(e) is not ("l" or "empty")))
            {
                throw new StorageException(
                    $"{graphRoot}: database storage graph driver \"overlay\" does not match our storage graph driver \"vfs\": database configuration mismatch");
            }
            return "vfs";
        }
        if (requested != "overlay")
        {
            throw new StorageException($"storage driver \"{requested}\" is not supported (use overlay or vfs)");
        }
        if (Directory.Exists(Path.Combine(graphRoot, "overlay")))
        {
            return "overlay";
        }
        if (Directory.Exists(Path.Combine(graphRoot, "vfs")))
        {
            return "vfs";
        }
        return CanMountOverlay(Path.Combine(graphRoot, "tmp")) ? "overlay" : "vfs";
    }

    private static bool CanMountOverlay(string tmpRoot)
    {
        using var probe = new StagingDirectory(tmpRoot);
        string lower = Path.Combine(probe.Path, "l"), upper = Path.Combine(probe.Path, "u");
        string work = Path.Combine(probe.Path, "w"), merged = Path.Combine(probe.Path, "m");
        foreach (string d in (string[])[lower, upper, work, merged])
        {
            Directory.CreateDirectory(d);
        }
        try
        {
            Mounts.Mount("overlay", merged, "overlay", 0, $"lowerdir={lower},upperdir={upper},workdir={work}");
        }
        catch (SystemCallException)
        {
            return false;
        }
        try
        {
            Mounts.Unmount(merged, Mounts.MNT_DETACH);
        }
        catch (SystemCallException)
        {
            // Another process's recovery may have detached it already.
        }
        return true;
    }

    /// <summary>
    /// Brings the graph root back to what the indexes say: removes staging and trash of dead processes, temp files of
    /// interrupted index writes, and layer, image and container directories no record owns (a crash between moving
    /// a directory into place and committing its record, or between committing a removal and moving it away).
    /// </summary>
    private void Recover()
    {
        Write(tx =>
        {
            UnmountUnder(_paths.Tmp);
            StagingDirectory.CleanLeftovers(_paths.Tmp);
            RemoveAtomicTemps(_paths.GraphRoot);
            RemoveAtomicTemps(_paths.MountsDir);

            Indexes s = tx.State;
            var layerIds = new HashSet<string>(s.Layers.Select(l => l.Id), StringComparer.Ordinal);
            var containerLayerIds = new HashSet<string>(s.Containers.Select(c => c.LayerId), StringComparer.Ordinal);
            var imageIds = new HashSet<string>(s.Images.Select(i => i.Id), StringComparer.Ordinal);
            var containerIds = new HashSet<string>(s.Containers.Select(c => c.Id), StringComparer.Ordinal);

            foreach (string dir in Directory.GetFileSystemEntries(_paths.LayersDir))
            {
                string name = Path.GetFileName(dir);
                if (name is "l" or "empty" || layerIds.Contains(name) || containerLayerIds.Contains(name))
                {
                    continue;
                }
                tx.RemoveAfterCommit(dir);
            }
            foreach (string link in Directory.Exists(_paths.ShortLinks) ? Directory.GetFileSystemEntries(_paths.ShortLinks) : [])
            {
                if (!Path.Exists(link))
                {
                    FileSystem.TryDeleteFile(link);
                }
            }
            foreach (string file in Directory.GetFileSystemEntries(_paths.TarSplitDir))
            {
                string name = Path.GetFileName(file);
                if (!name.EndsWith(".tar-split", StringComparison.Ordinal) || !layerIds.Contains(name[..^".tar-split".Length]))
                {
                    tx.RemoveAfterCommit(file);
                }
            }
            RemoveUnowned(tx, _paths.ImagesDir, imageIds);
            RemoveUnowned(tx, _paths.ContainersDir, containerIds);
            RemoveUnowned(tx, _paths.RunContainersDir, containerIds);
            RemoveUnowned(tx, _paths.MountsDir, containerLayerIds);
            return 0;
        });
    }

    private static void RemoveUnowned(Transaction tx, string dir, HashSet<string> owners)
    {
        foreach (string entry in Directory.GetFileSystemEntries(dir))
        {
            if (!owners.Contains(Path.GetFileName(entry)))
            {
                tx.RemoveAfterCommit(entry);
            }
        }
    }

    private static void RemoveAtomicTemps(string dir)
    {
        foreach (string file in Directory.GetFiles(dir))
        {
            if (FileSystem.IsAtomicTemp(Path.GetFileName(file)))
            {
                FileSystem.TryDeleteFile(file);
            }
        }
    }

    /// <summary>Detaches every mount at or below <paramref name="dir"/> (deepest first), so deleting it cannot reach into a mount.</summary>
    private static void UnmountUnder(string dir)
    {
        string prefix = dir.TrimEnd('/') + "/";
        foreach (string mountPoint in Mounts.ListMountPoints().Where(m => m == dir || m.StartsWith(prefix, StringComparison.Ordinal)).OrderByDescending(m => m.Length))
        {
            try
            {
                Mounts.Unmount(mountPoint, Mounts.MNT_DETACH);
            }
            catch (SystemCallException)
            {
            }
        }
    }
}
