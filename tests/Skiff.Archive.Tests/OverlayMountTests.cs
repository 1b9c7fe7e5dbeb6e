using Skiff.TestKit;

namespace Skiff.Archive.Tests;

/// <summary>The overlay form the extractor writes and the writer reads is the one the kernel's overlayfs uses.</summary>
public class OverlayMountTests
{
    [Fact]
    public async Task Overlay_whiteouts_hide_lower_files_in_a_real_mount_and_survive_a_write_round_trip()
    {
        using TestDirs dirs = new();
        string lower = dirs.Sub("lower");
        string upper = dirs.Sub("upper");
        string work = dirs.Sub("work");
        string merged = dirs.Sub("merged");
        await LayerExtractor.ExtractAsync(new MemoryStream(new TarBuilder()
            .Directory("etc").File("etc/gone", "g").File("etc/kept", "k")
            .Directory("var").File("var/old", "o")
            .Directory("srv").File("srv/a", "a")
            .Build()), lower, new ExtractOptions());
        await LayerExtractor.ExtractAsync(new MemoryStream(new TarBuilder()
            .Directory("etc").File("etc/.wh.gone", "")
            .Directory("var").File("var/.wh..wh..opq", "").File("var/new", "n")
            .Build()), upper, new ExtractOptions { Whiteouts = WhiteoutMode.Overlay });

        TestDirs.Run("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={upper},workdir={work}", merged);
        try
        {
            Assert.False(File.Exists(Path.Combine(merged, "etc/gone")));
            Assert.True(File.Exists(Path.Combine(merged, "etc/kept")));
            Assert.Equal(["new"], Directory.EnumerateFileSystemEntries(Path.Combine(merged, "var")).Select(p => Path.GetFileName(p)!).ToArray());

            // Changes made through the mount: the kernel writes its own whiteouts and opaque dirs into upper.
            File.Delete(Path.Combine(merged, "etc/kept"));
            Directory.Delete(Path.Combine(merged, "srv"), recursive: true);
            Directory.CreateDirectory(Path.Combine(merged, "srv"));
            await File.WriteAllTextAsync(Path.Combine(merged, "srv/b"), "b");
        }
        finally
        {
            TestDirs.Run("umount", merged);
        }

        MemoryStream layer = new();
        await LayerWriter.WriteDirectoryAsync(upper, layer, new LayerWriteOptions());
        string applied = dirs.Sub("applied");
        TestDirs.Run("cp", "-a", lower + "/.", applied);
        layer.Position = 0;
        await LayerExtractor.ExtractAsync(layer, applied, new ExtractOptions { Whiteouts = WhiteoutMode.Apply });

        TestDirs.Run("mount", "-t", "overlay", "overlay", "-o", $"lowerdir={lower},upperdir={upper},workdir={work}", merged);
        try
        {
            Assert.Equal(TreeSnapshot.Take(merged, withDirTimes: false), TreeSnapshot.Take(applied, withDirTimes: false));
        }
        finally
        {
            TestDirs.Run("umount", merged);
        }
    }
}
