using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Skiff.Interop;

namespace Skiff.Archive.Tests;

/// <summary>A temporary base directory holding a "root" to extract into and a sibling "outside" that must stay empty.</summary>
internal sealed class TestDirs : IDisposable
{
    public TestDirs()
    {
        Base = Path.Combine(Path.GetTempPath(), "skiff-archive-" + Guid.NewGuid().ToString("N"));
        Root = Path.Combine(Base, "root");
        Outside = Path.Combine(Base, "outside");
        Directory.CreateDirectory(Root);
        Directory.CreateDirectory(Outside);
    }

    public string Base { get; }
    public string Root { get; }
    public string Outside { get; }

    public string Sub(string name)
    {
        string path = Path.Combine(Base, name);
        Directory.CreateDirectory(path);
        return path;
    }

    public void Dispose()
    {
        try
        {
            // Test trees may hold read-only dirs and immutable-looking modes; root can still delete them.
            Directory.Delete(Base, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public static void Run(string file, params string[] args)
    {
        ProcessStartInfo psi = new(file) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        using Process p = Process.Start(psi)!;
        string err = p.StandardError.ReadToEnd();
        p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        Assert.True(p.ExitCode == 0, $"{file} {string.Join(' ', args)} failed: {err}");
    }
}

/// <summary>A comparable description of a tree: one line per path with type, mode, owner, size, content, target, device, mtime, xattrs.</summary>
internal static class TreeSnapshot
{
    public static List<string> Take(string root, bool withDirTimes = true)
    {
        List<string> lines = [];
        Walk(root, "", lines, withDirTimes);
        lines.Sort(StringComparer.Ordinal);
        return lines;
    }

    private static void Walk(string root, string rel, List<string> lines, bool withDirTimes)
    {
        string dir = rel.Length == 0 ? root : Path.Combine(root, rel);
        foreach (string full in Directory.EnumerateFileSystemEntries(dir))
        {
            string name = Path.GetFileName(full);
            string childRel = rel.Length == 0 ? name : rel + "/" + name;
            lines.Add(Describe(full, childRel, withDirTimes));
            StatxNative st = FileAt.Statx(null, full, FileAt.AT_SYMLINK_NOFOLLOW);
            if ((st.Mode & FileAt.S_IFMT) == FileAt.S_IFDIR)
            {
                Walk(root, childRel, lines, withDirTimes);
            }
        }
    }

    public static string Describe(string full, string rel, bool withDirTimes = true)
    {
        StatxNative st = FileAt.Statx(null, full, FileAt.AT_SYMLINK_NOFOLLOW);
        uint type = st.Mode & FileAt.S_IFMT;
        StringBuilder sb = new();
        sb.Append(rel).Append(' ').Append(Convert.ToString(st.Mode, 8)).Append(' ').Append(st.Uid).Append(':').Append(st.Gid);
        if (type != FileAt.S_IFDIR || withDirTimes)
        {
            sb.Append(" t=").Append(st.Mtime.Seconds);
        }
        switch (type)
        {
            case FileAt.S_IFREG:
                sb.Append(" size=").Append(st.Size).Append(" sha=").Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(full)))[..16]);
                break;
            case FileAt.S_IFLNK:
                sb.Append(" -> ").Append(FileAt.ReadlinkAt(null, full));
                break;
            case FileAt.S_IFCHR or FileAt.S_IFBLK:
                sb.Append(" dev=").Append(st.RdevMajor).Append(',').Append(st.RdevMinor);
                break;
        }
        List<string> names = [.. Xattrs.LList(full)];
        names.Sort(StringComparer.Ordinal);
        foreach (string x in names)
        {
            sb.Append(' ').Append(x).Append('=').Append(Encoding.UTF8.GetString(Xattrs.LGet(full, x) ?? []));
        }
        return sb.ToString();
    }
}

/// <summary>A read-only, non-seekable view, as a network body is.</summary>
internal sealed class NonSeekableStream(Stream inner) : Stream
{
    public override bool CanRead => true;
    public override bool CanSeek => false;
    public override bool CanWrite => false;
    public override long Length => throw new NotSupportedException();
    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
    public override void Flush() { }
    public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
    public override void SetLength(long value) => throw new NotSupportedException();
    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
