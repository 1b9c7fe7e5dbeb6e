using System.Security.Cryptography;
using System.Text;
using Skiff.Image;
using Skiff.Interop;
using Skiff.TestKit;

namespace Skiff.Archive.Tests;

public class LayerExtractorTests
{
    private static StatxNative Lstat(string path) => FileAt.Statx(null, path, FileAt.AT_SYMLINK_NOFOLLOW);

    private static Task<ExtractResult> Extract(byte[] tar, string root, ExtractOptions? options = null) =>
        LayerExtractor.ExtractAsync(new NonSeekableStream(new MemoryStream(tar)), root, options ?? new ExtractOptions());

    [Fact]
    public async Task Extract_restores_a_gnu_tar_tree_with_the_same_metadata()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        Directory.CreateDirectory(Path.Combine(src, "usr/bin"));
        await File.WriteAllTextAsync(Path.Combine(src, "usr/bin/tool"), "#!/bin/sh\necho hi\n");
        File.SetUnixFileMode(Path.Combine(src, "usr/bin/tool"), (UnixFileMode)0x1ED);
        await File.WriteAllTextAsync(Path.Combine(src, "usr/data"), new string('x', 70_000));
        File.CreateSymbolicLink(Path.Combine(src, "usr/link"), "bin/tool");
        File.CreateSymbolicLink(Path.Combine(src, "abs"), "/usr/bin/tool");
        FileAt.LinkAt(null, Path.Combine(src, "usr/data"), null, Path.Combine(src, "usr/hard"));
        FileAt.FchownAt(null, Path.Combine(src, "usr/data"), 1234, 5678, 0);
        string longName = Path.Combine(src, new string('n', 150));
        await File.WriteAllTextAsync(longName, "long");
        string tarPath = Path.Combine(dirs.Base, "layer.tar");
        TestDirs.Run("tar", "--xattrs", "-C", src, "-cf", tarPath, ".");
        byte[] tar = await File.ReadAllBytesAsync(tarPath);

        ExtractResult result = await Extract(tar, dirs.Root);

        Assert.Equal(Digest.Compute(tar), result.DiffId);
        Assert.Equal(tar.LongLength, result.UncompressedSize);
        Assert.Equal(Compression.None, result.Compression);
        Assert.Equal(TreeSnapshot.Take(src), TreeSnapshot.Take(dirs.Root));
        Assert.Equal(Lstat(Path.Combine(dirs.Root, "usr/data")).Ino, Lstat(Path.Combine(dirs.Root, "usr/hard")).Ino);
        Assert.Equal("/usr/bin/tool", FileAt.ReadlinkAt(null, Path.Combine(dirs.Root, "abs")));
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task Extract_sniffs_compression_and_reports_the_uncompressed_digest(Compression compression)
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder().Directory("d").File("d/f", "content").Build();
        byte[] layer = compression == Compression.Gzip ? TarBuilder.Gzip(tar) : TarBuilder.Zstd(tar);

        ExtractResult result = await Extract(layer, dirs.Root);

        Assert.Equal(compression, result.Compression);
        Assert.Equal(Digest.Compute(tar), result.DiffId);
        Assert.Equal(tar.LongLength, result.UncompressedSize);
        Assert.Equal("content", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "d/f")));
    }

    [Fact]
    public async Task Extract_hashes_trailing_bytes_after_the_end_blocks()
    {
        using TestDirs dirs = new();
        byte[] tar = [.. new TarBuilder().File("f", "x").Build(), .. new byte[8192]];
        ExtractResult result = await Extract(tar, dirs.Root);
        Assert.Equal(Digest.Compute(tar), result.DiffId);
        Assert.Equal(tar.LongLength, result.UncompressedSize);
    }

    [Fact]
    public async Task Extract_creates_device_nodes_and_fifos()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .CharDevice("null", 1, 3)
            .Entry((byte)'4', "loop0", mode: 0x1B0, devMajor: 7, devMinor: 0)
            .Fifo("pipe")
            .Build();

        await Extract(tar, dirs.Root);

        StatxNative c = Lstat(Path.Combine(dirs.Root, "null"));
        Assert.Equal(FileAt.S_IFCHR, c.Mode & FileAt.S_IFMT);
        Assert.Equal((1u, 3u), (c.RdevMajor, c.RdevMinor));
        Assert.Equal(0x1B6u, c.Mode & 0xFFFu);
        StatxNative b = Lstat(Path.Combine(dirs.Root, "loop0"));
        Assert.Equal(FileAt.S_IFBLK, b.Mode & FileAt.S_IFMT);
        Assert.Equal((7u, 0u), (b.RdevMajor, b.RdevMinor));
        Assert.Equal(FileAt.S_IFIFO, Lstat(Path.Combine(dirs.Root, "pipe")).Mode & FileAt.S_IFMT);
    }

    [Fact]
    public async Task Extract_keeps_setuid_setgid_and_sticky_bits_after_chown()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .File("suid", "x", mode: 0xDED /* 06755 */, uid: 1000, gid: 1000)
            .Directory("tmp", mode: 0x3FF /* 01777 */)
            .Build();

        await Extract(tar, dirs.Root);

        StatxNative s = Lstat(Path.Combine(dirs.Root, "suid"));
        Assert.Equal(0xDEDu, s.Mode & 0xFFFu);
        Assert.Equal((1000u, 1000u), (s.Uid, s.Gid));
        Assert.Equal(0x3FFu, Lstat(Path.Combine(dirs.Root, "tmp")).Mode & 0xFFFu);
    }

    [Fact]
    public async Task Extract_sets_owners_including_on_symlinks_only_when_preserving()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .File("f", "x", uid: 42, gid: 43)
            .Entry((byte)'2', "l", linkName: "f", mode: 0x1FF, uid: 44, gid: 45)
            .Build();

        await Extract(tar, dirs.Root);
        Assert.Equal((42u, 43u), (Lstat(Path.Combine(dirs.Root, "f")).Uid, Lstat(Path.Combine(dirs.Root, "f")).Gid));
        Assert.Equal((44u, 45u), (Lstat(Path.Combine(dirs.Root, "l")).Uid, Lstat(Path.Combine(dirs.Root, "l")).Gid));

        string mapped = dirs.Sub("mapped");
        await Extract(tar, mapped, new ExtractOptions { PreserveOwnership = false });
        Assert.Equal(0u, Lstat(Path.Combine(mapped, "f")).Uid);
    }

    [Fact]
    public async Task Extract_applies_pax_xattrs()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .Entry((byte)'0', "f", content: "x"u8.ToArray(), pax: new Dictionary<string, string>
            {
                ["SCHILY.xattr.user.origin"] = "layer",
                ["SCHILY.xattr.trusted.skiff"] = "t",
            })
            .Build();

        await Extract(tar, dirs.Root);

        string f = Path.Combine(dirs.Root, "f");
        Assert.Equal("layer"u8.ToArray(), Xattrs.LGet(f, "user.origin"));
        Assert.Equal("t"u8.ToArray(), Xattrs.LGet(f, "trusted.skiff"));
    }

    [Fact]
    public async Task Extract_keeps_binary_xattr_values_byte_for_byte_through_a_write_round_trip()
    {
        using TestDirs dirs = new();
        // vfs_cap_data v2, effective, cap_net_raw permitted: binary, with NULs.
        byte[] capability = [0x01, 0x00, 0x00, 0x02, 0x00, 0x20, 0x00, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
        byte[] notUtf8 = [0xff, 0xfe, 0x80, 0x00, 0x41];
        byte[] tar = new TarBuilder()
            .Entry((byte)'0', "ping", content: "x"u8.ToArray(), mode: 0x1ED,
                rawPax: new Dictionary<string, byte[]> { ["SCHILY.xattr.security.capability"] = capability, ["SCHILY.xattr.user.bin"] = notUtf8 })
            .Build();

        await Extract(tar, dirs.Root);
        Assert.Equal(capability, Xattrs.LGet(Path.Combine(dirs.Root, "ping"), "security.capability"));
        Assert.Equal(notUtf8, Xattrs.LGet(Path.Combine(dirs.Root, "ping"), "user.bin"));

        MemoryStream layer = new();
        await LayerWriter.WriteDirectoryAsync(dirs.Root, layer, new LayerWriteOptions());
        string copy = dirs.Sub("copy");
        layer.Position = 0;
        await LayerExtractor.ExtractAsync(layer, copy, new ExtractOptions());
        Assert.Equal(capability, Xattrs.LGet(Path.Combine(copy, "ping"), "security.capability"));
        Assert.Equal(notUtf8, Xattrs.LGet(Path.Combine(copy, "ping"), "user.bin"));
    }

    [Fact]
    public async Task Extract_skips_global_pax_headers_and_keeps_reading()
    {
        using TestDirs dirs = new();
        MemoryStream ms = new();
        using (System.Formats.Tar.TarWriter w = new(ms, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new System.Formats.Tar.PaxGlobalExtendedAttributesTarEntry(new Dictionary<string, string> { ["comment"] = new string('c', 700) }));
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "after") { DataStream = new MemoryStream("a"u8.ToArray()) });
        }
        MemoryStream split = new();
        ExtractResult result = await LayerExtractor.ExtractAsync(new MemoryStream(ms.ToArray()), dirs.Root, new ExtractOptions { TarSplit = split });
        Assert.Equal("a", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "after")));
        split.Position = 0;
        Assert.Equal(result.DiffId, (await LayerWriter.ReassembleAsync(dirs.Root, split, new MemoryStream())).DiffId);
    }

    [Fact]
    public async Task Extract_rejects_a_corrupt_pax_header_checksum()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder().Entry((byte)'0', "f", pax: new Dictionary<string, string> { ["SCHILY.xattr.user.a"] = "b" }).Build();
        tar[10] ^= 0x01;
        MalformedArchiveException e = await Assert.ThrowsAsync<MalformedArchiveException>(() => Extract(tar, dirs.Root));
        Assert.Contains("checksum", e.Message);
    }

    [Fact]
    public async Task Extract_sets_mtimes_on_files_symlinks_and_directories_last()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .Directory("d", mtime: 1_000_000_000)
            .File("d/f", "x", mtime: 1_100_000_000)
            .Entry((byte)'2', "d/l", linkName: "f", mode: 0x1FF, mtime: 1_200_000_000)
            .Build();

        await Extract(tar, dirs.Root);

        Assert.Equal(1_000_000_000, Lstat(Path.Combine(dirs.Root, "d")).Mtime.Seconds);
        Assert.Equal(1_100_000_000, Lstat(Path.Combine(dirs.Root, "d/f")).Mtime.Seconds);
        Assert.Equal(1_200_000_000, Lstat(Path.Combine(dirs.Root, "d/l")).Mtime.Seconds);
    }

    [Fact]
    public async Task Extract_replaces_non_directories_and_merges_into_existing_directories()
    {
        using TestDirs dirs = new();
        Directory.CreateDirectory(Path.Combine(dirs.Root, "keep"));
        await File.WriteAllTextAsync(Path.Combine(dirs.Root, "keep/old"), "old");
        await File.WriteAllTextAsync(Path.Combine(dirs.Root, "file"), "old");
        Directory.CreateDirectory(Path.Combine(dirs.Root, "dir-to-file/sub"));
        byte[] tar = new TarBuilder()
            .Directory("keep", mode: 0x1C0)
            .File("keep/new", "new")
            .Symlink("file", "keep/new")
            .File("dir-to-file", "now a file")
            .Build();

        await Extract(tar, dirs.Root);

        Assert.Equal("old", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "keep/old")));
        Assert.Equal(0x1C0u, Lstat(Path.Combine(dirs.Root, "keep")).Mode & 0xFFFu);
        Assert.Equal("keep/new", FileAt.ReadlinkAt(null, Path.Combine(dirs.Root, "file")));
        Assert.Equal("now a file", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "dir-to-file")));
    }

    [Fact]
    public async Task Extract_creates_missing_parent_directories()
    {
        using TestDirs dirs = new();
        await Extract(new TarBuilder().File("a/b/c/f", "deep").Build(), dirs.Root);
        Assert.Equal("deep", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "a/b/c/f")));
    }

    [Fact]
    public async Task Extract_in_overlay_mode_writes_overlayfs_whiteouts()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .Directory("etc")
            .File("etc/.wh.gone", "")
            .Directory("opaque")
            .File("opaque/.wh..wh..opq", "")
            .File("opaque/new", "n")
            .Build();

        await Extract(tar, dirs.Root, new ExtractOptions { Whiteouts = WhiteoutMode.Overlay });

        StatxNative wh = Lstat(Path.Combine(dirs.Root, "etc/gone"));
        Assert.Equal(FileAt.S_IFCHR, wh.Mode & FileAt.S_IFMT);
        Assert.Equal((0u, 0u), (wh.RdevMajor, wh.RdevMinor));
        Assert.False(File.Exists(Path.Combine(dirs.Root, "etc/.wh.gone")));
        Assert.Equal("y"u8.ToArray(), Xattrs.LGet(Path.Combine(dirs.Root, "opaque"), "trusted.overlay.opaque"));
        Assert.False(File.Exists(Path.Combine(dirs.Root, "opaque/.wh..wh..opq")));
    }

    [Fact]
    public async Task Extract_in_apply_mode_deletes_whited_out_names_from_lower_layers()
    {
        using TestDirs dirs = new();
        await Extract(new TarBuilder()
            .Directory("etc").File("etc/gone", "g").File("etc/stays", "s")
            .Directory("tree").Directory("tree/sub").File("tree/sub/x", "x")
            .Directory("opq").File("opq/lower", "l").Directory("opq/d").File("opq/d/lower", "l")
            .Build(), dirs.Root);

        await Extract(new TarBuilder()
            .File("etc/.wh.gone", "")
            .File(".wh.tree", "")
            .File("opq/kept-before", "k")
            .Directory("opq/d")
            .File("opq/d/new", "n")
            .File("opq/.wh..wh..opq", "")
            .File("opq/kept-after", "k")
            .Build(), dirs.Root, new ExtractOptions { Whiteouts = WhiteoutMode.Apply });

        Assert.False(File.Exists(Path.Combine(dirs.Root, "etc/gone")));
        Assert.True(File.Exists(Path.Combine(dirs.Root, "etc/stays")));
        Assert.False(Directory.Exists(Path.Combine(dirs.Root, "tree")));
        string[] opq = Directory.EnumerateFileSystemEntries(Path.Combine(dirs.Root, "opq"), "*", SearchOption.AllDirectories)
            .Select(p => Path.GetRelativePath(dirs.Root, p)).Order(StringComparer.Ordinal).ToArray();
        Assert.Equal(["opq/d", "opq/d/new", "opq/kept-after", "opq/kept-before"], opq);
    }

    [Fact]
    public async Task Extract_accepts_a_tar_cut_at_an_entry_boundary_like_go_archive_tar()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder().File("f", "x").BuildWithoutEnd();
        ExtractResult result = await Extract(tar, dirs.Root);
        Assert.Equal(Digest.Compute(tar), result.DiffId);
        Assert.True(File.Exists(Path.Combine(dirs.Root, "f")));
    }

    [Fact]
    public async Task Extract_of_a_system_formats_tar_pax_archive_with_long_names_and_utf8()
    {
        using TestDirs dirs = new();
        byte[] tar = SystemTar.Build(dirs.Sub("src-pax"));
        await Extract(tar, dirs.Root);
        Assert.Equal("päx", await File.ReadAllTextAsync(Path.Combine(dirs.Root, SystemTar.LongName)));
        Assert.Equal("ünïcode", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "dir/ünïcode")));
    }
}

/// <summary>A PAX archive written by System.Formats.Tar, for tar-split and extraction tests.</summary>
internal static class SystemTar
{
    public static readonly string LongName = "dir/" + new string('l', 120) + "/" + new string('m', 110);

    public static byte[] Build(string scratch)
    {
        MemoryStream ms = new();
        using (System.Formats.Tar.TarWriter w = new(ms, System.Formats.Tar.TarEntryFormat.Pax, leaveOpen: true))
        {
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.Directory, "dir/"));
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, LongName)
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("päx")),
            });
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "dir/ünïcode",
                new Dictionary<string, string> { ["SCHILY.xattr.user.k"] = "v" })
            {
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes("ünïcode")),
            });
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "dir/big")
            {
                DataStream = new MemoryStream(RandomNumberGenerator.GetBytes(100_001)),
            });
            w.WriteEntry(new System.Formats.Tar.PaxTarEntry(System.Formats.Tar.TarEntryType.RegularFile, "dir/empty")
            {
                DataStream = new MemoryStream(),
            });
        }
        _ = scratch;
        return ms.ToArray();
    }
}
