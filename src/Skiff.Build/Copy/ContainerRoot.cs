using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Build.Copy;

/// <summary>
/// A container's root directory as a chroot: every path is resolved with openat2 RESOLVE_IN_ROOT, so a leading
/// slash, <c>..</c> or a symlink on the way resolves inside the root and never reaches the host.
/// </summary>
internal sealed class ContainerRoot : IDisposable
{
    private const ulong InRoot = FileAt.RESOLVE_IN_ROOT | FileAt.RESOLVE_NO_MAGICLINKS;

    private ContainerRoot(SafeFileHandle handle) => Handle = handle;

    public SafeFileHandle Handle { get; }

    public static ContainerRoot Open(string path) =>
        new(FileAt.OpenAt(null, Path.GetFullPath(path), FileAt.O_PATH | FileAt.O_DIRECTORY));

    /// <summary>Normalises a container path to a relative one ("" for the root); <c>..</c> cannot climb above the root.</summary>
    public static string Relative(string path)
    {
        var parts = new List<string>();
        foreach (string part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }
            if (part == "..")
            {
                if (parts.Count > 0)
                {
                    parts.RemoveAt(parts.Count - 1);
                }
                continue;
            }
            parts.Add(part);
        }
        return string.Join('/', parts);
    }

    /// <summary>Opens an existing path (following symlinks inside the root) as O_PATH.</summary>
    public SafeFileHandle OpenPath(string rel) =>
        FileAt.OpenAt2(Handle, rel.Length == 0 ? "." : rel, FileAt.O_PATH, 0, InRoot);

    public bool TryOpenPath(string rel, out SafeFileHandle? handle)
    {
        try
        {
            handle = OpenPath(rel);
            return true;
        }
        catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
        {
            handle = null;
            return false;
        }
    }

    public bool IsDirectory(string rel)
    {
        try
        {
            using SafeFileHandle h = FileAt.OpenAt2(Handle, rel.Length == 0 ? "." : rel, FileAt.O_PATH | FileAt.O_DIRECTORY, 0, InRoot);
            return true;
        }
        catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
        {
            return false;
        }
    }

    /// <summary>Opens the directory <paramref name="rel"/>, creating missing components (root-owned, 0755).</summary>
    public SafeFileHandle OpenDirectory(string rel, bool create) => OpenDirectory(rel, create, 0, 0, 0);

    /// <summary>As <see cref="OpenDirectory(string, bool)"/>, missing components owned by uid:gid (COPY --chown makes them so).</summary>
    public SafeFileHandle OpenDirectory(string rel, bool create, uint uid, uint gid) => OpenDirectory(rel, create, 0, uid, gid);

    private SafeFileHandle OpenDirectory(string rel, bool create, int links, uint uid, uint gid)
    {
        try
        {
            return FileAt.OpenAt2(Handle, rel.Length == 0 ? "." : rel, FileAt.O_PATH | FileAt.O_DIRECTORY, 0, InRoot);
        }
        catch (SystemCallException e) when (e.Errno == Errnos.ENOENT && create)
        {
        }
        SafeFileHandle current = FileAt.OpenAt2(Handle, ".", FileAt.O_PATH | FileAt.O_DIRECTORY, 0, InRoot);
        string prefix = "";
        string[] parts = rel.Split('/');
        try
        {
            for (int i = 0; i < parts.Length; i++)
            {
                string part = parts[i];
                string parentPrefix = prefix;
                prefix = prefix.Length == 0 ? part : prefix + "/" + part;
                SafeFileHandle next;
                try
                {
                    next = FileAt.OpenAt2(Handle, prefix, FileAt.O_PATH | FileAt.O_DIRECTORY, 0, InRoot);
                }
                catch (SystemCallException e) when (e.Errno == Errnos.ENOENT)
                {
                    // current was resolved inside the root, so the new name is too.
                    bool made = FileAt.TryMkdirAt(current, part, 0x1ED);
                    if (made && (uid != 0 || gid != 0))
                    {
                        FileAt.FchownAt(current, part, uid, gid, FileAt.AT_SYMLINK_NOFOLLOW);
                    }
                    if (!made && FileAt.TryStatx(current, part, FileAt.AT_SYMLINK_NOFOLLOW, out StatxNative st, out _)
                        && (st.Mode & FileAt.S_IFMT) == FileAt.S_IFLNK)
                    {
                        // A dangling symlink on the way: create its target, read as the container would read it.
                        if (links >= 40)
                        {
                            throw new SystemCallException("openat2", Errnos.ELOOP, rel);
                        }
                        string target = FileAt.ReadlinkAt(current, part);
                        string through = target.StartsWith('/') ? target : (parentPrefix.Length == 0 ? target : parentPrefix + "/" + target);
                        string rest = string.Join('/', parts, i + 1, parts.Length - i - 1);
                        current.Dispose();
                        return OpenDirectory(Relative(rest.Length == 0 ? through : through + "/" + rest), create, links + 1, uid, gid);
                    }
                    next = FileAt.OpenAt2(Handle, prefix, FileAt.O_PATH | FileAt.O_DIRECTORY, 0, InRoot);
                }
                current.Dispose();
                current = next;
            }
            return current;
        }
        catch
        {
            current.Dispose();
            throw;
        }
    }

    /// <summary>Reads a small file inside the root (for /etc/passwd lookups); null when missing.</summary>
    public string? ReadText(string rel)
    {
        try
        {
            using SafeFileHandle h = FileAt.OpenAt2(Handle, rel, FileAt.O_RDONLY | FileAt.O_NONBLOCK | FileAt.O_NOCTTY, 0, InRoot);
            using var stream = new FileStream(h, FileAccess.Read, 1);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }
        catch (SystemCallException e) when (e.Errno is Errnos.ENOENT or Errnos.ENOTDIR)
        {
            return null;
        }
    }

    public void Dispose() => Handle.Dispose();
}
