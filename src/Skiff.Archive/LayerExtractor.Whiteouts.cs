using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Archive;

internal sealed partial class LayerEntryWriter
{
    internal const string OpaqueXattr = "trusted.overlay.opaque";

    // Paths this layer created, and their ancestors: an opaque whiteout in Apply mode keeps these.
    private readonly HashSet<string> _keep = new(StringComparer.Ordinal);

    private void Added(string rel)
    {
        if (options.Whiteouts != WhiteoutMode.Apply)
        {
            return;
        }
        while (rel.Length > 0 && _keep.Add(rel))
        {
            rel = LayerPath.Split(rel).Parent;
        }
    }

    private void WriteWhiteout(string name, string rel)
    {
        (string parent, string leaf) = LayerPath.Split(rel);
        if (leaf == OpaqueMarker)
        {
            WriteOpaque(parent);
            return;
        }
        string target = leaf[WhiteoutPrefix.Length..];
        if (target == "..")
        {
            throw Escapes(name, "whiteout");
        }
        if (target.Length == 0 || target == ".")
        {
            throw new MalformedArchiveException($"layer entry \"{name}\": whiteout names no file");
        }
        if (options.Whiteouts == WhiteoutMode.Overlay)
        {
            using SafeFileHandle dir = root.OpenDir(parent, create: true);
            LayerRoot.RemoveAll(dir, target);
            FileAt.MknodAt(dir, target, FileAt.S_IFCHR, 0, 0);
            return;
        }
        SafeFileHandle? existing = TryOpenExistingDir(parent);
        if (existing is null)
        {
            return;
        }
        using (existing)
        {
            LayerRoot.RemoveAll(existing, target);
        }
    }

    private void WriteOpaque(string parent)
    {
        if (options.Whiteouts == WhiteoutMode.Overlay)
        {
            using SafeFileHandle dir = root.OpenDir(parent, create: true);
            Xattrs.LSet(FileAt.ProcPath(dir, ""), OpaqueXattr, "y"u8);
            return;
        }
        SafeFileHandle? existing = TryOpenExistingDir(parent);
        if (existing is null)
        {
            return;
        }
        using (existing)
        {
            Prune(existing, parent);
        }
    }

    /// <summary>Empties a directory of what lower layers put there, keeping what this layer added.</summary>
    private void Prune(SafeFileHandle dir, string rel)
    {
        foreach (string name in LayerRoot.ListNames(dir))
        {
            string childRel = LayerPath.Join(rel, name);
            if (!_keep.Contains(childRel))
            {
                LayerRoot.RemoveAll(dir, name);
                continue;
            }
            if (LayerRoot.TryLstat(dir, name, out StatxNative st) && LayerRoot.IsDir(st))
            {
                using SafeFileHandle child = FileAt.OpenAt2(dir, name, FileAt.O_PATH | FileAt.O_DIRECTORY | FileAt.O_NOFOLLOW, 0,
                    FileAt.RESOLVE_BENEATH | FileAt.RESOLVE_NO_SYMLINKS);
                Prune(child, childRel);
            }
        }
    }

    private SafeFileHandle? TryOpenExistingDir(string rel)
    {
        try
        {
            return root.OpenDir(rel, create: false);
        }
        catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
        {
            return null;
        }
    }
}
