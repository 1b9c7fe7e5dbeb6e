using System.Formats.Tar;
using Microsoft.Win32.SafeHandles;
using Skiff.Archive;
using Skiff.Interop;
using Skiff.Runtime;
using Skiff.Storage;

namespace Skiff.Engine.Containers;

/// <summary>One line of <c>podman diff</c>: A(dded), C(hanged) or D(eleted).</summary>
public sealed record ContainerChange(char Kind, string Path);

public sealed partial class ContainerEngine
{
    /// <summary>Runs <paramref name="action"/> with the container's root filesystem mounted (a counted mount, so a running container is unaffected).</summary>
    private async Task<T> WithRootfsAsync<T>(string id, Func<string, Task<T>> action, CancellationToken cancellationToken)
    {
        string rootfs = await _store.MountContainerAsync(id, cancellationToken).ConfigureAwait(false);
        try
        {
            return await action(rootfs).ConfigureAwait(false);
        }
        finally
        {
            await _store.UnmountContainerAsync(id, force: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>podman mount: mounts the root filesystem and returns its path.</summary>
    public Task<string> MountAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        _store.MountContainerAsync(Runtime.Get(nameOrId).Record.Id, cancellationToken);

    /// <summary>podman unmount: drops the mount (all with force) unless the running container still needs it.</summary>
    public async Task<string> UnmountAsync(string nameOrId, bool force, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        bool running = info.Status.State is ContainerState.Running or ContainerState.Paused;
        if (running && force)
        {
            throw new ContainerStateException($"cannot unmount container {info.Record.Id} as it is running: container state improper");
        }
        if (!running && _store.IsContainerMounted(info.Record.Id))
        {
            await _store.UnmountContainerAsync(info.Record.Id, force, cancellationToken).ConfigureAwait(false);
        }
        return info.Record.Id;
    }

    /// <summary>Containers whose root filesystem is mounted now, with the path.</summary>
    public IReadOnlyList<(ContainerInfo Container, string Path)> Mounted() =>
        Runtime.List().Where(c => _store.IsContainerMounted(c.Record.Id))
            .Select(c => (c, Path.Combine(_store.Options.GraphRoot, _store.Options.Driver, c.Record.LayerId, _store.Options.Driver == "vfs" ? "diff" : "merged")))
            .ToList();

    /// <summary>podman export: the container's whole filesystem as a tar.</summary>
    public Task ExportAsync(string nameOrId, Stream output, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        return WithRootfsAsync(info.Record.Id, async rootfs =>
        {
            await LayerWriter.WriteDirectoryAsync(rootfs, output, new LayerWriteOptions(), cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }

    /// <summary>
    /// podman diff: what the container changed against its image, from its layer's upper directory (whiteouts are
    /// deletions; names present in a lower layer are changes, others additions).
    /// </summary>
    public IReadOnlyList<ContainerChange> Diff(string nameOrId)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        string driverRoot = Path.Combine(_store.Options.GraphRoot, _store.Options.Driver);
        string upper = Path.Combine(driverRoot, info.Record.LayerId, "diff");
        var lowers = new List<string>();
        string? layer = info.Definition.ImageId is null ? null : _store.FindImage(info.Definition.ImageId)?.TopLayer;
        while (layer is not null && _store.GetLayer(layer) is { } record)
        {
            lowers.Add(Path.Combine(driverRoot, record.Id, "diff"));
            layer = record.Parent;
        }
        var changes = new List<ContainerChange>();
        bool vfs = _store.Options.Driver == "vfs";
        void Walk(string dir, string relative)
        {
            foreach (string entry in Directory.EnumerateFileSystemEntries(dir).Order(StringComparer.Ordinal))
            {
                string name = Path.GetFileName(entry);
                string rel = relative + "/" + name;
                var fi = new FileInfo(entry);
                bool isDir = (fi.Attributes & FileAttributes.Directory) != 0 && fi.LinkTarget is null;
                bool inLower = lowers.Exists(l => Path.Exists(l + rel) || new FileInfo(l + rel).LinkTarget is not null);
                if (!vfs && IsWhiteout(entry))
                {
                    changes.Add(new ContainerChange('D', rel));
                    continue;
                }
                if (vfs && inLower && !isDir)
                {
                    string lowerPath = lowers.First(l => Path.Exists(l + rel) || new FileInfo(l + rel).LinkTarget is not null) + rel;
                    var lf = new FileInfo(lowerPath);
                    if (lf.Length == fi.Length && lf.LastWriteTimeUtc == fi.LastWriteTimeUtc)
                    {
                        continue;
                    }
                }
                if (!vfs || !inLower || !isDir)
                {
                    changes.Add(new ContainerChange(inLower ? 'C' : 'A', rel));
                }
                if (isDir)
                {
                    int before = changes.Count;
                    Walk(entry, rel);
                    if (vfs && inLower && changes.Count > before)
                    {
                        changes.Insert(before, new ContainerChange('C', rel));
                    }
                }
            }
        }
        if (Directory.Exists(upper))
        {
            Walk(upper, "");
        }
        if (vfs)
        {
            // Deletions: names in the image that the container's copy lacks.
            foreach (string lower in lowers)
            {
                foreach (string entry in Directory.EnumerateFileSystemEntries(lower, "*", SearchOption.AllDirectories))
                {
                    string rel = entry[lower.Length..];
                    if (!Path.Exists(upper + rel) && new FileInfo(upper + rel).LinkTarget is null && !changes.Exists(c => c.Path == rel))
                    {
                        changes.Add(new ContainerChange('D', rel));
                    }
                }
            }
        }
        return WithoutMountPoints(changes, info.Definition);
    }

    /// <summary>
    /// Drops what exists only as a mount point (the run files the engine binds in, the container's mounts), and
    /// directories that were reported only because of them, as podman does.
    /// </summary>
    private static List<ContainerChange> WithoutMountPoints(List<ContainerChange> changes, ContainerDefinition def)
    {
        var hidden = new HashSet<string>(StringComparer.Ordinal) { "/etc/hostname", "/etc/hosts", "/etc/resolv.conf", "/run/.containerenv" };
        foreach (MountDefinition m in def.Mounts)
        {
            hidden.Add(m.Destination.TrimEnd('/'));
        }
        var kept = changes.Where(c => !(c.Kind == 'A' && hidden.Contains(c.Path))).ToList();
        // A directory whose whole reported content was hidden: reported only because of those mount points.
        return kept.Where(c =>
        {
            string prefix = c.Path + "/";
            bool hadChildren = changes.Exists(x => x.Path.StartsWith(prefix, StringComparison.Ordinal));
            bool keepsChildren = kept.Exists(x => x.Path.StartsWith(prefix, StringComparison.Ordinal));
            return !hadChildren || keepsChildren;
        }).ToList();
    }

    private static bool IsWhiteout(string path)
    {
        try
        {
            StatxNative st = FileAt.Statx(null, path, FileAt.AT_SYMLINK_NOFOLLOW);
            return (st.Mode & 0xF000) == 0x2000 && st.RdevMajor == 0 && st.RdevMinor == 0;
        }
        catch (SystemCallException)
        {
            return false;
        }
    }

    /// <summary>
    /// podman cp from the container: the source is resolved inside the container root (a symlink, absolute or
    /// climbing, stays inside it), and what is below it is copied without following links.
    /// </summary>
    public Task CopyFromContainerAsync(string nameOrId, string containerPath, string hostPath, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        return WithRootfsAsync(info.Record.Id, rootfs =>
        {
            using SafeFileHandle root = FileAt.OpenAt(null, rootfs, FileAt.O_PATH | FileAt.O_DIRECTORY);
            bool contentsOnly = containerPath.EndsWith("/.", StringComparison.Ordinal);
            string inside = contentsOnly ? containerPath[..^2] : containerPath;
            SafeFileHandle source;
            try
            {
                source = FileAt.OpenAt2(root, inside.Length == 0 ? "/" : inside, FileAt.O_PATH, 0, FileAt.RESOLVE_IN_ROOT);
            }
            catch (SystemCallException e) when (e.Errno == Errnos.ENOENT)
            {
                throw new RuntimeException($"\"{containerPath}\" could not be found on container {info.Definition.Name}: no such file or directory");
            }
            using (source)
            {
                StatxNative st = FileAt.Statx(source, "", FileAt.AT_EMPTY_PATH);
                bool isDir = (st.Mode & 0xF000) == 0x4000;
                string name = Path.GetFileName(inside.TrimEnd('/'));
                if (name.Length == 0)
                {
                    name = "root";
                }
                string target = hostPath;
                if (Directory.Exists(hostPath) && !contentsOnly)
                {
                    target = Path.Combine(hostPath, name);
                }
                else if (hostPath.EndsWith('/') && !Directory.Exists(hostPath) && !isDir)
                {
                    throw new RuntimeException($"\"{hostPath}\" could not be found on the host: no such file or directory");
                }
                if (isDir)
                {
                    Directory.CreateDirectory(target);
                    CopyTreeOut(source, target);
                }
                else
                {
                    CopyEntryOut(source, st, target);
                }
            }
            return Task.FromResult(0);
        }, cancellationToken);
    }

    private static void CopyTreeOut(SafeFileHandle dir, string target)
    {
        using SafeFileHandle readable = FileAt.OpenAt(dir, ".", FileAt.O_RDONLY | FileAt.O_DIRECTORY);
        foreach (string entry in Directory.EnumerateFileSystemEntries(FileAt.ProcPath(readable, "")))
        {
            string name = Path.GetFileName(entry);
            StatxNative st = FileAt.Statx(readable, name, FileAt.AT_SYMLINK_NOFOLLOW);
            string dest = Path.Combine(target, name);
            int kind = st.Mode & 0xF000;
            if (kind == 0x4000)
            {
                Directory.CreateDirectory(dest);
                using SafeFileHandle sub = FileAt.OpenAt(readable, name, FileAt.O_PATH | FileAt.O_DIRECTORY | FileAt.O_NOFOLLOW);
                CopyTreeOut(sub, dest);
                File.SetUnixFileMode(dest, (UnixFileMode)(st.Mode & 0xFFF));
            }
            else if (kind == 0xA000)
            {
                TryDelete(dest);
                File.CreateSymbolicLink(dest, FileAt.ReadlinkAt(readable, name));
            }
            else if (kind == 0x8000)
            {
                using SafeFileHandle file = FileAt.OpenAt(readable, name, FileAt.O_RDONLY | FileAt.O_NOFOLLOW);
                WriteFile(file, dest, st);
            }
        }
    }

    private static void CopyEntryOut(SafeFileHandle source, StatxNative st, string target)
    {
        int kind = st.Mode & 0xF000;
        if (kind != 0x8000)
        {
            throw new RuntimeException($"copying a special file to {target} is not supported");
        }
        // Reopening through the descriptor's magic link reaches the very inode resolved in the root, not a path.
        using SafeFileHandle file = File.OpenHandle($"/proc/self/fd/{source.DangerousGetHandle()}", FileMode.Open, FileAccess.Read);
        WriteFile(file, target, st);
    }

    private static void WriteFile(SafeFileHandle file, string dest, StatxNative st)
    {
        using (var input = new FileStream(file, FileAccess.Read))
        {
            TryDelete(dest);
            using FileStream output = File.Create(dest);
            input.CopyTo(output);
        }
        File.SetUnixFileMode(dest, (UnixFileMode)(st.Mode & 0xFFF));
    }

    /// <summary>
    /// podman cp into the container: the host source becomes a tar extracted into the container's root with the
    /// layer extractor's chroot semantics, so links in the container cannot lead the copy out of it.
    /// </summary>
    public Task CopyToContainerAsync(string nameOrId, string hostPath, string containerPath, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        bool contentsOnly = hostPath.EndsWith("/.", StringComparison.Ordinal);
        string source = contentsOnly ? hostPath[..^2] : hostPath;
        if (!Path.Exists(source))
        {
            throw new RuntimeException($"\"{hostPath}\" could not be found on the host: no such file or directory");
        }
        bool sourceIsDir = Directory.Exists(source);
        return WithRootfsAsync(info.Record.Id, async rootfs =>
        {
            string dest = containerPath.TrimEnd('/');
            bool destIsDir = false;
            using (SafeFileHandle root = FileAt.OpenAt(null, rootfs, FileAt.O_PATH | FileAt.O_DIRECTORY))
            {
                try
                {
                    using SafeFileHandle d = FileAt.OpenAt2(root, dest.Length == 0 ? "/" : dest, FileAt.O_PATH, 0, FileAt.RESOLVE_IN_ROOT);
                    destIsDir = (FileAt.Statx(d, "", FileAt.AT_EMPTY_PATH).Mode & 0xF000) == 0x4000;
                }
                catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
                {
                    if (containerPath.EndsWith('/') && !sourceIsDir)
                    {
                        throw new RuntimeException($"\"{containerPath}\" could not be found on container {info.Definition.Name}: no such file or directory");
                    }
                }
            }
            string prefix = (destIsDir && !contentsOnly ? dest + "/" + Path.GetFileName(source.TrimEnd('/')) : dest).TrimStart('/');
            if (contentsOnly && destIsDir)
            {
                prefix = dest.TrimStart('/');
            }
            var tar = new MemoryStream();
            await using (var writer = new TarWriter(tar, TarEntryFormat.Pax, leaveOpen: true))
            {
                if (sourceIsDir)
                {
                    if (prefix.Length > 0)
                    {
                        await writer.WriteEntryAsync(source, prefix, cancellationToken).ConfigureAwait(false);
                    }
                    foreach (string entry in Directory.EnumerateFileSystemEntries(source, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 }))
                    {
                        string rel = Path.GetRelativePath(source, entry);
                        await writer.WriteEntryAsync(entry, prefix.Length == 0 ? rel : prefix + "/" + rel, cancellationToken).ConfigureAwait(false);
                    }
                }
                else
                {
                    await writer.WriteEntryAsync(source, prefix, cancellationToken).ConfigureAwait(false);
                }
            }
            tar.Position = 0;
            await LayerExtractor.ExtractAsync(tar, rootfs, new ExtractOptions { Whiteouts = WhiteoutMode.Apply }, cancellationToken).ConfigureAwait(false);
            return 0;
        }, cancellationToken);
    }
}
