using Skiff.Image;
using Skiff.TestKit;

namespace Skiff.Archive.Tests;

public class TarSplitTests
{
    private static async Task AssertReassemblesIdentically(byte[] layer, TestDirs dirs, WhiteoutMode mode = WhiteoutMode.Overlay)
    {
        MemoryStream split = new();
        ExtractResult extracted = await LayerExtractor.ExtractAsync(new MemoryStream(layer), dirs.Root,
            new ExtractOptions { TarSplit = split, Whiteouts = mode });

        MemoryStream rebuilt = new();
        split.Position = 0;
        LayerWriteResult result = await LayerWriter.ReassembleAsync(dirs.Root, split, rebuilt);

        Assert.Equal(extracted.DiffId, Digest.Compute(rebuilt.ToArray()));
        Assert.Equal(extracted.DiffId, result.DiffId);
        Assert.Equal(extracted.UncompressedSize, result.UncompressedSize);
        Assert.True(split.Length < extracted.UncompressedSize / 2 || extracted.UncompressedSize < 20_000,
            $"tar-split of {split.Length} bytes should be much smaller than the {extracted.UncompressedSize}-byte tar");
    }

    [Fact]
    public async Task Reassemble_rebuilds_a_gnu_tar_bit_for_bit()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        Directory.CreateDirectory(Path.Combine(src, "a/b"));
        await File.WriteAllBytesAsync(Path.Combine(src, "a/b/big"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(300_000));
        await File.WriteAllTextAsync(Path.Combine(src, "a/small"), "small");
        await File.WriteAllTextAsync(Path.Combine(src, new string('z', 180)), "long name");
        File.CreateSymbolicLink(Path.Combine(src, "a/link"), "b/big");
        Skiff.Interop.FileAt.LinkAt(null, Path.Combine(src, "a/small"), null, Path.Combine(src, "a/hard"));
        string tarPath = Path.Combine(dirs.Base, "gnu.tar");
        TestDirs.Run("tar", "--format=gnu", "-C", src, "-cf", tarPath, ".");

        await AssertReassemblesIdentically(await File.ReadAllBytesAsync(tarPath), dirs);
    }

    [Fact]
    public async Task Reassemble_rebuilds_a_posix_gnu_tar_from_its_gzip_layer()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        await File.WriteAllTextAsync(Path.Combine(src, "f"), "content");
        string tarPath = Path.Combine(dirs.Base, "posix.tar");
        TestDirs.Run("tar", "--format=posix", "-C", src, "-cf", tarPath, "f");

        await AssertReassemblesIdentically(TarBuilder.Gzip(await File.ReadAllBytesAsync(tarPath)), dirs);
    }

    [Fact]
    public async Task Reassemble_rebuilds_the_uncompressed_tar_of_a_zstd_layer_written_by_layer_writer()
    {
        using TestDirs dirs = new();
        string src = dirs.Sub("src");
        Directory.CreateDirectory(Path.Combine(src, "d"));
        await File.WriteAllBytesAsync(Path.Combine(src, "d/blob"), System.Security.Cryptography.RandomNumberGenerator.GetBytes(70_000));
        Skiff.Interop.Xattrs.LSet(Path.Combine(src, "d/blob"), "user.k", "v"u8);
        MemoryStream layer = new();
        LayerWriteResult written = await LayerWriter.WriteDirectoryAsync(src, layer, new LayerWriteOptions { Compression = Compression.Zstd });

        await AssertReassemblesIdentically(layer.ToArray(), dirs);
        Assert.Equal(Compression.Zstd, Compressors.Detect(layer.ToArray()));
        Assert.NotEqual(written.DiffId, written.Digest);
    }

    [Fact]
    public async Task Reassemble_rebuilds_a_system_formats_tar_pax_archive()
    {
        using TestDirs dirs = new();
        await AssertReassemblesIdentically(SystemTar.Build(dirs.Sub("scratch")), dirs);
    }

    [Fact]
    public async Task Reassemble_rebuilds_a_layer_with_whiteouts_extracted_in_overlay_mode()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder()
            .Directory("etc")
            .File("etc/.wh.passwd", "")
            .Directory("var")
            .File("var/.wh..wh..opq", "")
            .File("var/new", "fresh")
            .CharDevice("dev-null", 1, 3)
            .Build();
        await AssertReassemblesIdentically([.. tar, .. new byte[9216]], dirs);
    }

    [Fact]
    public async Task Reassemble_refuses_a_file_that_changed_size()
    {
        using TestDirs dirs = new();
        MemoryStream split = new();
        await LayerExtractor.ExtractAsync(new MemoryStream(new TarBuilder().File("f", "12345").Build()), dirs.Root,
            new ExtractOptions { TarSplit = split });
        await File.WriteAllTextAsync(Path.Combine(dirs.Root, "f"), "123");
        split.Position = 0;
        IOException e = await Assert.ThrowsAsync<IOException>(() => LayerWriter.ReassembleAsync(dirs.Root, split, new MemoryStream()));
        Assert.Contains("\"f\"", e.Message);
    }

    [Fact]
    public async Task Reassemble_rejects_a_stream_that_is_not_a_tar_split()
    {
        using TestDirs dirs = new();
        await Assert.ThrowsAsync<MalformedArchiveException>(
            () => LayerWriter.ReassembleAsync(dirs.Root, new MemoryStream("nonsense"u8.ToArray()), new MemoryStream()));
    }
}
