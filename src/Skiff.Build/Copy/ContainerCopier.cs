using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Skiff.Archive;
using Skiff.Image;
using Skiff.Interop;

namespace Skiff.Build.Copy;

/// <summary>One COPY or ADD into a container root.</summary>
public sealed record AddCopyRequest
{
    public required IReadOnlyList<string> Sources { get; init; }
    public required string Destination { get; init; }

    /// <summary>ADD: local tar archives (any compression) are extracted at the destination.</summary>
    public bool ExtractArchives { get; init; }

    /// <summary><c>user[:group]</c>, names resolved in the destination's /etc/passwd and /etc/group; default 0:0.</summary>
    public string? Chown { get; init; }

    /// <summary>Octal permission bits for everything copied; default keeps the sources'.</summary>
    public string? Chmod { get; init; }

    /// <summary>Where relative destinations start (the image's WorkingDir); "/" when unset.</summary>
    public string WorkingDir { get; init; } = "/";

    /// <summary>Sources inside another container root (COPY --from), resolved with chroot semantics.</summary>
    public string? SourceRoot { get; init; }

    /// <summary>Sources inside a build context: nothing may resolve outside it.</summary>
    public string? ContextDir { get; init; }

    /// <summary>Plain host sources: relative ones start here (the current directory when unset).</summary>
    public string? HostDirectory { get; init; }

    /// <summary>Context paths to leave out (.containerignore); only with <see cref="ContextDir"/>.</summary>
    public IgnoreFile? Ignore { get; init; }
}

/// <summary>
/// Copies files into a container root as Buildah's copier does: globs, directories by content, ownership and mode
/// overrides, ADD's archive extraction. Every destination path resolves inside the root (chroot semantics).
/// </summary>
public static class ContainerCopier
{
    public static async Task CopyAsync(string rootPath, AddCopyRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (request.Sources.Count == 0)
        {
            throw new BuildException("no sources to copy");
        }
        uint? mode = null;
        if (request.Chmod is { Length: > 0 } chmod)
        {
            try
            {
                mode = Convert.ToUInt32(chmod, 8) & 0xFFF;
            }
            catch (FormatException e)
            {
                throw new BuildException($"invalid --chmod value \"{chmod}\": expected octal permission bits", e);
            }
        }

        using ContainerRoot root = ContainerRoot.Open(rootPath);
        (uint uid, uint gid) = request.Chown is { Length: > 0 } chown ? UserLookup.Resolve(root, chown) : (0u, 0u);
        var owner = new Ownership(uid, gid, mode);

        using SourceTree tree = request.SourceRoot is not null ? SourceTree.Rooted(request.SourceRoot)
            : request.ContextDir is not null ? SourceTree.Context(request.ContextDir)
            : SourceTree.Host(request.HostDirectory ?? Environment.CurrentDirectory);
        IgnoreFile ignore = request.ContextDir is not null ? request.Ignore ?? IgnoreFile.Empty : IgnoreFile.Empty;
        var sources = request.Sources.SelectMany(tree.Expand).Where(s => ContainerRoot.Relative(s).Length == 0 || !ignore.IsExcluded(s) || ignore.HasNegations).ToList();
        if (sources.Count == 0)
        {
            throw new BuildException($"no source files were specified or all of them are excluded by the ignore file: {string.Join(' ', request.Sources)}");
        }
        owner = owner with { Ignore = ignore };

        string dest = request.Destination;
        if (!dest.StartsWith('/'))
        {
            dest = request.WorkingDir.TrimEnd('/') + "/" + dest;
        }
        string destRel = ContainerRoot.Relative(dest);
        bool destIsDir = dest.EndsWith('/') || dest.EndsWith("/.", StringComparison.Ordinal) || sources.Count > 1 || destRel.Length == 0 || root.IsDirectory(destRel);

        foreach (string source in sources)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string sourceRel = ContainerRoot.Relative(source);
            using SafeFileHandle src = tree.Open(source);
            StatxNative st = FileAt.Statx(src, "", FileAt.AT_EMPTY_PATH);
            uint type = st.Mode & FileAt.S_IFMT;
            if (type != FileAt.S_IFDIR && sourceRel.Length > 0 && ignore.IsExcluded(sourceRel))
            {
                continue;
            }
            if (type == FileAt.S_IFDIR)
            {
                using SafeFileHandle dstDir = root.OpenDirectory(destRel, create: true, owner.Uid, owner.Gid);
                await CopyDirectoryContentsAsync(src, sourceRel, dstDir, owner, cancellationToken).ConfigureAwait(false);
                continue;
            }
            if (request.ExtractArchives && type == FileAt.S_IFREG && await IsArchiveAsync(src, cancellationToken).ConfigureAwait(false))
            {
                using SafeFileHandle dstDir = root.OpenDirectory(destRel, create: true, owner.Uid, owner.Gid);
                await ExtractAsync(src, dstDir, source, cancellationToken).ConfigureAwait(false);
                continue;
            }
            string name = Path.GetFileName(source.TrimEnd('/'));
            string targetRel = destIsDir ? (destRel.Length == 0 ? name : destRel + "/" + name) : destRel;
            (string parentRel, string leaf) = Split(targetRel);
            using SafeFileHandle parent = root.OpenDirectory(parentRel, create: true, owner.Uid, owner.Gid);
            await CopyEntryAsync(src, "", sourceRel, st, parent, leaf, owner, cancellationToken).ConfigureAwait(false);
        }
    }

    private sealed record Ownership(uint Uid, uint Gid, uint? Mode)
    {
        public IgnoreFile Ignore { get; init; } = IgnoreFile.Empty;
    }

    private static (string Parent, string Leaf) Split(string rel)
    {
        int slash = rel.LastIndexOf('/');
        return slash < 0 ? ("", rel) : (rel[..slash], rel[(slash + 1)..]);
    }

    private static async Task CopyDirectoryContentsAsync(SafeFileHandle srcDir, string rel, SafeFileHandle dstDir, Ownership owner, CancellationToken cancellationToken)
    {
        var names = Directory.EnumerateFileSystemEntries(FileAt.ProcPath(srcDir, "")).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToList();
        foreach (string name in names)
        {
            cancellationToken.ThrowIfCancellationRequested();
            string childRel = rel.Length == 0 ? name : rel + "/" + name;
            StatxNative st = FileAt.Statx(srcDir, name, FileAt.AT_SYMLINK_NOFOLLOW);
            bool isDir = (st.Mode & FileAt.S_IFMT) == FileAt.S_IFDIR;
            // An excluded directory is still walked when a ! pattern may bring something below it back.
            if (owner.Ignore.IsExcluded(childRel) && !(isDir && owner.Ignore.HasNegations))
            {
                continue;
            }
            await CopyEntryAsync(srcDir, name, childRel, st, dstDir, name, owner, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Copies the source (<paramref name="srcName"/> in <paramref name="srcDir"/>, or the handle itself for "") to <paramref name="leaf"/> in <paramref name="dstDir"/>.</summary>
    private static async Task CopyEntryAsync(SafeFileHandle srcDir, string srcName, string rel, StatxNative st, SafeFileHandle dstDir, string leaf, Ownership owner, CancellationToken cancellationToken)
    {
        uint type = st.Mode & FileAt.S_IFMT;
        uint perm = owner.Mode ?? (uint)(st.Mode & 0xFFF);
        bool exists = FileAt.TryStatx(dstDir, leaf, FileAt.AT_SYMLINK_NOFOLLOW, out StatxNative existing, out _);
        bool existingDir = exists && (existing.Mode & FileAt.S_IFMT) == FileAt.S_IFDIR;
        switch (type)
        {
            case FileAt.S_IFDIR:
            {
                if (exists && !existingDir)
                {
                    FileAt.UnlinkAt(dstDir, leaf);
                }
                if (!existingDir)
                {
                    FileAt.MkdirAt(dstDir, leaf, 0x1C0);
                }
                using (SafeFileHandle child = FileAt.OpenAt(dstDir, leaf, FileAt.O_PATH | FileAt.O_DIRECTORY | FileAt.O_NOFOLLOW))
                using (SafeFileHandle srcChild = srcName.Length == 0 ? Reopen(srcDir, FileAt.O_PATH | FileAt.O_DIRECTORY) : FileAt.OpenAt(srcDir, srcName, FileAt.O_PATH | FileAt.O_DIRECTORY | FileAt.O_NOFOLLOW))
                {
                    await CopyDirectoryContentsAsync(srcChild, rel, child, owner, cancellationToken).ConfigureAwait(false);
                }
                FileAt.FchownAt(dstDir, leaf, owner.Uid, owner.Gid, FileAt.AT_SYMLINK_NOFOLLOW);
                FileAt.FchmodAt(dstDir, leaf, perm);
                SetTimes(dstDir, leaf, st);
                return;
            }
            case FileAt.S_IFREG:
            {
                if (existingDir)
                {
                    throw new BuildException($"copying to \"{leaf}\": cannot overwrite a directory with a file");
                }
                if (exists)
                {
                    FileAt.UnlinkAt(dstDir, leaf);
                }
                using (SafeFileHandle input = srcName.Length == 0 ? Reopen(srcDir, FileAt.O_RDONLY) : FileAt.OpenAt(srcDir, srcName, FileAt.O_RDONLY | FileAt.O_NOFOLLOW | FileAt.O_NONBLOCK | FileAt.O_NOCTTY))
                using (SafeFileHandle output = FileAt.OpenAt(dstDir, leaf, FileAt.O_WRONLY | FileAt.O_CREAT | FileAt.O_EXCL | FileAt.O_NOFOLLOW, 0x180))
                {
                    await using var from = new FileStream(input, FileAccess.Read, 1 << 16);
                    await using var to = new FileStream(output, FileAccess.Write, 1 << 16);
                    await from.CopyToAsync(to, cancellationToken).ConfigureAwait(false);
                }
                FileAt.FchownAt(dstDir, leaf, owner.Uid, owner.Gid, FileAt.AT_SYMLINK_NOFOLLOW);
                FileAt.FchmodAt(dstDir, leaf, perm);
                SetTimes(dstDir, leaf, st);
                return;
            }
            case FileAt.S_IFLNK:
            {
                if (existingDir)
                {
                    throw new BuildException($"copying to \"{leaf}\": cannot overwrite a directory with a symbolic link");
                }
                string target = FileAt.ReadlinkAt(srcDir, srcName);
                if (exists)
                {
                    FileAt.UnlinkAt(dstDir, leaf);
                }
                FileAt.SymlinkAt(target, dstDir, leaf);
                FileAt.FchownAt(dstDir, leaf, owner.Uid, owner.Gid, FileAt.AT_SYMLINK_NOFOLLOW);
                SetTimes(dstDir, leaf, st);
                return;
            }
            case FileAt.S_IFIFO:
            {
                if (exists && !existingDir)
                {
                    FileAt.UnlinkAt(dstDir, leaf);
                }
                FileAt.MknodAt(dstDir, leaf, FileAt.S_IFIFO | perm, 0, 0);
                FileAt.FchownAt(dstDir, leaf, owner.Uid, owner.Gid, FileAt.AT_SYMLINK_NOFOLLOW);
                return;
            }
            default:
                // Devices and sockets are not content; Buildah's copier skips sockets and we skip both.
                return;
        }
    }

    private static SafeFileHandle Reopen(SafeFileHandle handle, int flags) =>
        FileAt.OpenAt(null, "/proc/self/fd/" + handle.DangerousGetHandle().ToString(CultureInfo.InvariantCulture), flags | FileAt.O_NOCTTY);

    private static void SetTimes(SafeFileHandle dir, string leaf, in StatxNative st)
    {
        var mtime = new TimeSpecNative { Seconds = st.Mtime.Seconds, Nanoseconds = st.Mtime.Nanoseconds };
        var atime = new TimeSpecNative { Seconds = st.Atime.Seconds, Nanoseconds = st.Atime.Nanoseconds };
        FileAt.UtimensAt(dir, leaf, atime, mtime, FileAt.AT_SYMLINK_NOFOLLOW);
    }

    /// <summary>A tar, possibly gzip- or zstd-compressed (what ADD extracts); anything else is copied as a file.</summary>
    private static async Task<bool> IsArchiveAsync(SafeFileHandle src, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(Reopen(src, FileAt.O_RDONLY), FileAccess.Read, 1 << 12);
        var head = new byte[512];
        int n = await file.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        if (Compressors.Detect(head.AsSpan(0, n)) != Compression.None)
        {
            file.Position = 0;
            try
            {
                (Stream inner, _) = await Compressors.OpenDecompressedAsync(file, leaveOpen: true, cancellationToken).ConfigureAwait(false);
                await using (inner.ConfigureAwait(false))
                {
                    n = await inner.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
                }
            }
            catch (Exception e) when (e is IOException or InvalidDataException)
            {
                return false;
            }
        }
        return n >= 262 && head.AsSpan(257, 5).SequenceEqual("ustar"u8);
    }

    private static async Task ExtractAsync(SafeFileHandle src, SafeFileHandle dstDir, string source, CancellationToken cancellationToken)
    {
        await using var file = new FileStream(Reopen(src, FileAt.O_RDONLY), FileAccess.Read, 1 << 16);
        try
        {
            await LayerExtractor.ExtractAsync(file, FileAt.ProcPath(dstDir, ""), new ExtractOptions { Whiteouts = WhiteoutMode.Apply }, cancellationToken).ConfigureAwait(false);
        }
        catch (MalformedArchiveException e)
        {
            throw new BuildException($"extracting \"{source}\": {e.Message}", e);
        }
    }
}
