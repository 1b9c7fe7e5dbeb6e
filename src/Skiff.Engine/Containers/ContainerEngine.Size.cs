using Skiff.Runtime;

namespace Skiff.Engine.Containers;

/// <summary>A container's disk use as podman reports it: its read-write layer, and that plus its image.</summary>
public sealed record ContainerSize(long RwSize, long RootFsSize);

public sealed partial class ContainerEngine
{
    /// <summary>ps --size / inspect --size: bytes in the container's own layer, and the whole root file system.</summary>
    public ContainerSize Size(ContainerInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        long rw = 0;
        if (!string.IsNullOrEmpty(info.Record.LayerId))
        {
            rw = DirectorySize(Path.Combine(_store.Options.GraphRoot, _store.Options.Driver, info.Record.LayerId, "diff"));
        }
        long image = info.Definition.ImageId is { } imageId && _store.FindImage(imageId) is { } record ? record.Size : 0;
        return new ContainerSize(rw, rw + image);
    }

    private static long DirectorySize(string path)
    {
        if (!Directory.Exists(path))
        {
            return 0;
        }
        long total = 0;
        var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
        foreach (FileInfo f in new DirectoryInfo(path).EnumerateFiles("*", options))
        {
            // Symlinks count their own length, as du's apparent size does, never their target.
            total += f.LinkTarget is { } target ? target.Length : f.Length;
        }
        return total;
    }
}
