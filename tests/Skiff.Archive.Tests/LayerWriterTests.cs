using System.Formats.Tar;
using System.IO.Compression;
using Skiff.Image;
using Skiff.Interop;
using Skiff.TestKit;

namespace Skiff.Archive.Tests;

public class LayerWriterTests
{
    private static StatxNative Lstat(string path) => FileAt.Statx(null, path, FileAt.AT_SYMLINK_NOFOLLOW);

    /// <summary>A tree with every kind of node, odd modes, owners, xattrs and a hardlink.</summary>
    private static async Task MakeRichTree(string root)
    {
        byte[] tar = new TarBuilder()
            .Directory("etc", mode: 0x1ED, mtime: 1_500_000_000)
            .File("etc/passwd", "root:x:0:0::/root:/bin/sh\n", mode: 0x1A4, mtime: 1_500_000_001)
            .File("etc/shadow", "secret", mode: 0x180, uid: 0, gid: 42, mtime: 1_500_000_002)
            .Directory("usr", mtime: 1_500_000_003)
            .Directory("usr/bin", mtime: 1_500_000_004)
            .File("usr/bin/su", "suid", mode: 0x9ED /* 04755 */, mtime: 1_500_000_005)
            .HardLink("usr/bin/su-again", "usr/bin/su")
            .Symlink("usr/bin/sh", "/bin/busybox")
            .Directory("tmp", mode: 0x3FF, mtime: 1_500_000_006)
            .CharDevice("null", 1, 3)
            .Fifo("fifo")
            .Entry((byte)'0', "xattr", content: "x"u8.ToArray(), uid: 1000, gid: 1000, mtime: 1_500_000_007,
                pax: new Dictionary<string, string> { ["SCHILY.xattr.user.note"] = "hello" })
            .File(new string('d', 120) + "/" + new string('f', 120), "long")
            .Build();
        await LayerExtractor.ExtractAsync(new MemoryStream(tar), root, new ExtractOptions());
    }

    [Fact]
    public async Task WriteDirectory_then_extract_gives_the_same_tree()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        await MakeRichTree(src);

        MemoryStream layer = new();
        LayerWriteResult result = await LayerWriter.WriteDirectoryAsync(src, layer, new LayerWriteOptions());
        string copy = dirs.Sub("copy");
        ExtractResult extracted = await LayerExtractor.ExtractAsync(new MemoryStream(layer.ToArray()), copy, new ExtractOptions());

        Assert.Equal(TreeSnapshot.Take(src), TreeSnapshot.Take(copy));
        Assert.Equal(Lstat(Path.Combine(copy, "usr/bin/su")).Ino, Lstat(Path.Combine(copy, "usr/bin/su-again")).Ino);
        Assert.Equal(result.DiffId, extracted.DiffId);
        Assert.Equal(result.Digest, result.DiffId);
        Assert.Equal(layer.Length, result.Size);
        Assert.Equal(layer.Length, result.UncompressedSize);
    }

    [Fact]
    public async Task WriteDirectory_is_readable_by_gnu_tar()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        await MakeRichTree(src);
        string tarPath = Path.Combine(dirs.Base, "out.tar");
        await using (FileStream fs = File.Create(tarPath))
        {
            await LayerWriter.WriteDirectoryAsync(src, fs, new LayerWriteOptions());
        }
        string copy = dirs.Sub("gnu");
        TestDirs.Run("tar", "--xattrs", "--xattrs-include=*", "--numeric-owner", "-C", copy, "-xpf", tarPath);
        Assert.Equal(TreeSnapshot.Take(src, withDirTimes: false), TreeSnapshot.Take(copy, withDirTimes: false));
    }

    [Theory]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task WriteDirectory_compresses_and_reports_both_digests(Compression compression)
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        await File.WriteAllTextAsync(Path.Combine(src, "f"), new string('a', 100_000));

        MemoryStream layer = new();
        LayerWriteResult result = await LayerWriter.WriteDirectoryAsync(src, layer, new LayerWriteOptions { Compression = compression });

        byte[] written = layer.ToArray();
        Assert.Equal(compression, Compressors.Detect(written));
        Assert.Equal(Digest.Compute(written), result.Digest);
        Assert.Equal(written.LongLength, result.Size);
        (Stream s, _) = await Compressors.OpenDecompressedAsync(new MemoryStream(written));
        MemoryStream tar = new();
        await s.CopyToAsync(tar);
        Assert.Equal(Digest.Compute(tar.ToArray()), result.DiffId);
        Assert.Equal(tar.Length, result.UncompressedSize);
        Assert.True(result.Size < result.UncompressedSize);
    }

    [Fact]
    public async Task WriteDirectory_with_a_fixed_timestamp_is_reproducible()
    {
        using TestDirs dirs = new();
        string a = dirs.Sub("a");
        string b = dirs.Sub("b");
        foreach (string root in new[] { a, b })
        {
            Directory.CreateDirectory(Path.Combine(root, "z/y"));
            await File.WriteAllTextAsync(Path.Combine(root, "z/y/file"), "same");
            await File.WriteAllTextAsync(Path.Combine(root, "first"), "1");
        }
        File.SetLastWriteTimeUtc(Path.Combine(b, "first"), new DateTime(2001, 1, 1, 0, 0, 0, DateTimeKind.Utc));
        LayerWriteOptions options = new() { Timestamp = DateTimeOffset.FromUnixTimeSeconds(1_700_000_000) };

        LayerWriteResult ra = await LayerWriter.WriteDirectoryAsync(a, new MemoryStream(), options);
        LayerWriteResult rb = await LayerWriter.WriteDirectoryAsync(b, new MemoryStream(), options);

        Assert.Equal(ra.DiffId, rb.DiffId);
    }

    [Fact]
    public async Task WriteDirectory_emits_entries_in_sorted_order_with_directories_first()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        Directory.CreateDirectory(Path.Combine(src, "b"));
        await File.WriteAllTextAsync(Path.Combine(src, "b/z"), "");
        await File.WriteAllTextAsync(Path.Combine(src, "b/a"), "");
        await File.WriteAllTextAsync(Path.Combine(src, "a"), "");
        MemoryStream layer = new();
        await LayerWriter.WriteDirectoryAsync(src, layer, new LayerWriteOptions());

        Assert.Equal(["a", "b/", "b/a", "b/z"], EntryNames(layer.ToArray()));
    }

    [Fact]
    public async Task WriteDirectory_turns_overlay_whiteouts_into_wh_entries()
    {
        using TestDirs dirs = new();
        string upper = dirs.Sub("upper");
        await LayerExtractor.ExtractAsync(new MemoryStream(new TarBuilder()
            .Directory("etc").File("etc/.wh.gone", "")
            .Directory("var").File("var/.wh..wh..opq", "").File("var/new", "n")
            .Build()), upper, new ExtractOptions { Whiteouts = WhiteoutMode.Overlay });

        MemoryStream layer = new();
        await LayerWriter.WriteDirectoryAsync(upper, layer, new LayerWriteOptions());

        Assert.Equal(["etc/", "etc/.wh.gone", "var/", "var/.wh..wh..opq", "var/new"], EntryNames(layer.ToArray()));
        string lower = dirs.Sub("lower");
        Directory.CreateDirectory(Path.Combine(lower, "etc"));
        Directory.CreateDirectory(Path.Combine(lower, "var/old"));
        await File.WriteAllTextAsync(Path.Combine(lower, "etc/gone"), "g");
        await File.WriteAllTextAsync(Path.Combine(lower, "etc/kept"), "k");
        layer.Position = 0;
        await LayerExtractor.ExtractAsync(layer, lower, new ExtractOptions { Whiteouts = WhiteoutMode.Apply });
        Assert.False(File.Exists(Path.Combine(lower, "etc/gone")));
        Assert.True(File.Exists(Path.Combine(lower, "etc/kept")));
        Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(Path.Combine(lower, "var")).Select(p => Path.GetFileName(p)!).ToArray());
    }

    [Fact]
    public async Task WriteDiff_writes_added_changed_and_deleted_names()
    {
        using TestDirs dirs = new();
        string lower = dirs.Sub("lower");
        await MakeRichTree(lower);
        string upper = dirs.Sub("upper");
        TestDirs.Run("cp", "-a", lower + "/.", upper);

        await File.WriteAllTextAsync(Path.Combine(upper, "etc/passwd"), "changed content, new size\n");
        File.Delete(Path.Combine(upper, "etc/shadow"));
        Directory.Delete(Path.Combine(upper, "tmp"));
        Directory.CreateDirectory(Path.Combine(upper, "srv/www"));
        await File.WriteAllTextAsync(Path.Combine(upper, "srv/www/index.html"), "hi");
        FileAt.FchownAt(null, Path.Combine(upper, "usr/bin/sh"), 7, 7, FileAt.AT_SYMLINK_NOFOLLOW);
        Xattrs.LSet(Path.Combine(upper, "xattr"), "user.note", "changed"u8);
        // Same size, same whole-second mtime, different bytes: only a content comparison can see it.
        await File.WriteAllTextAsync(Path.Combine(lower, "same-size"), "aaaa");
        await File.WriteAllTextAsync(Path.Combine(upper, "same-size"), "bbbb");
        DateTime t = new(2020, 5, 5, 0, 0, 0, DateTimeKind.Utc);
        File.SetLastWriteTimeUtc(Path.Combine(lower, "same-size"), t);
        File.SetLastWriteTimeUtc(Path.Combine(upper, "same-size"), t);

        MemoryStream layer = new();
        LayerWriteResult result = await LayerWriter.WriteDiffAsync(lower, upper, layer, new LayerWriteOptions());
        string[] names = EntryNames(layer.ToArray());

        Assert.Contains("etc/passwd", names);
        Assert.Contains("etc/.wh.shadow", names);
        Assert.Contains(".wh.tmp", names);
        Assert.Contains("srv/", names);
        Assert.Contains("srv/www/", names);
        Assert.Contains("srv/www/index.html", names);
        Assert.Contains("usr/bin/sh", names);
        Assert.Contains("xattr", names);
        Assert.Contains("same-size", names);
        Assert.DoesNotContain("usr/bin/su", names);
        Assert.DoesNotContain("null", names);
        Assert.DoesNotContain("fifo", names);
        Assert.Equal(Digest.Compute(layer.ToArray()), result.DiffId);

        // Applying the diff on a copy of lower reproduces upper.
        string applied = dirs.Sub("applied");
        TestDirs.Run("cp", "-a", lower + "/.", applied);
        layer.Position = 0;
        await LayerExtractor.ExtractAsync(layer, applied, new ExtractOptions { Whiteouts = WhiteoutMode.Apply });
        Assert.Equal(TreeSnapshot.Take(upper, withDirTimes: false), TreeSnapshot.Take(applied, withDirTimes: false));
    }

    [Fact]
    public async Task WriteDiff_of_identical_trees_is_an_empty_layer()
    {
        using TestDirs dirs = new();
        string lower = dirs.Sub("lower");
        await MakeRichTree(lower);
        string upper = dirs.Sub("upper");
        TestDirs.Run("cp", "-a", lower + "/.", upper);

        MemoryStream layer = new();
        await LayerWriter.WriteDiffAsync(lower, upper, layer, new LayerWriteOptions());

        Assert.Empty(EntryNames(layer.ToArray()));
        Assert.Equal(1024, layer.Length);
    }

    private static string[] EntryNames(byte[] tar)
    {
        List<string> names = [];
        using TarReader reader = new(new MemoryStream(tar));
        while (reader.GetNextEntry() is TarEntry e)
        {
            names.Add(e.Name);
        }
        return [.. names];
    }
}
