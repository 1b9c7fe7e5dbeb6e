using Skiff.TestKit;

namespace Skiff.Archive.Tests;

public class HostileArchiveTests
{
    public static TheoryData<HostileArchive> Corpus()
    {
        TheoryData<HostileArchive> data = [];
        foreach (HostileArchive a in HostileArchives.All())
        {
            data.Add(a);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Corpus))]
    public async Task Extract_keeps_hostile_archives_inside_the_root(HostileArchive archive)
    {
        using TestDirs dirs = new();
        MemoryStream split = new();
        Task<ExtractResult> extract = LayerExtractor.ExtractAsync(new MemoryStream(archive.Bytes), dirs.Root, new ExtractOptions { TarSplit = split });
        if (archive.Expectation == HostileExpectation.Rejected)
        {
            MalformedArchiveException e = await Assert.ThrowsAsync<MalformedArchiveException>(() => extract);
            if (archive.Entry is not null)
            {
                Assert.Contains(archive.Entry, e.Message);
            }
        }
        else
        {
            ExtractResult result = await extract;
            split.Position = 0;
            LayerWriteResult rebuilt = await LayerWriter.ReassembleAsync(dirs.Root, split, new MemoryStream());
            Assert.Equal(result.DiffId, rebuilt.DiffId);
            foreach ((string rel, string? content) in archive.InsideRoot ?? new Dictionary<string, string?>())
            {
                string path = Path.Combine(dirs.Root, rel);
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{rel} should exist inside the root");
                if (content is not null)
                {
                    Assert.Equal(content, await File.ReadAllTextAsync(path));
                }
            }
        }
        Assert.Empty(Directory.EnumerateFileSystemEntries(dirs.Outside));
        Assert.Equal(["outside", "root"], Directory.EnumerateFileSystemEntries(dirs.Base).Select(p => Path.GetFileName(p)!).Order().ToArray());
    }

    [Fact]
    public async Task Extract_names_the_climbing_entry_in_the_error()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder().File("ok", "fine").File("../../etc/passwd", "x").Build();
        MalformedArchiveException e = await Assert.ThrowsAsync<MalformedArchiveException>(
            () => LayerExtractor.ExtractAsync(new MemoryStream(tar), dirs.Root, new ExtractOptions()));
        Assert.Equal("layer entry \"../../etc/passwd\": path escapes the layer root", e.Message);
    }

    [Fact]
    public async Task Extract_names_the_hardlink_whose_target_climbs_out()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder().HardLink("innocent", "../../outside/secret").Build();
        MalformedArchiveException e = await Assert.ThrowsAsync<MalformedArchiveException>(
            () => LayerExtractor.ExtractAsync(new MemoryStream(tar), dirs.Root, new ExtractOptions()));
        Assert.Equal("layer entry \"innocent\": hardlink target \"../../outside/secret\" escapes the layer root", e.Message);
    }

    [Fact]
    public async Task Extract_rejects_a_whiteout_of_the_parent_directory()
    {
        using TestDirs dirs = new();
        byte[] tar = new TarBuilder().File("a/.wh...", "").Build();
        MalformedArchiveException e = await Assert.ThrowsAsync<MalformedArchiveException>(
            () => LayerExtractor.ExtractAsync(new MemoryStream(tar), dirs.Root, new ExtractOptions { Whiteouts = WhiteoutMode.Apply }));
        Assert.Contains("a/.wh...", e.Message);
        Assert.True(Directory.Exists(dirs.Root));
    }

    [Fact]
    public async Task Extract_does_not_follow_a_planted_symlink_when_replacing_it()
    {
        using TestDirs dirs = new();
        string victim = Path.Combine(dirs.Outside, "victim");
        await File.WriteAllTextAsync(victim, "original");
        byte[] tar = new TarBuilder().Symlink("f", victim).File("f", "replaced").Build();
        await LayerExtractor.ExtractAsync(new MemoryStream(tar), dirs.Root, new ExtractOptions());
        Assert.Equal("original", await File.ReadAllTextAsync(victim));
        Assert.Equal("replaced", await File.ReadAllTextAsync(Path.Combine(dirs.Root, "f")));
    }

    [Fact]
    public async Task Whiteout_through_symlink_to_host_path_deletes_only_inside_the_root()
    {
        using TestDirs dirs = new();
        string keep = Path.Combine(dirs.Outside, "keep");
        await File.WriteAllTextAsync(keep, "k");
        Directory.CreateDirectory(Path.Combine(dirs.Root, "outside"));
        await File.WriteAllTextAsync(Path.Combine(dirs.Root, "outside", "keep"), "inner");
        byte[] tar = new TarBuilder().Symlink("s", dirs.Outside).File("s/.wh.keep", "").Build();
        await LayerExtractor.ExtractAsync(new MemoryStream(tar), dirs.Root, new ExtractOptions { Whiteouts = WhiteoutMode.Apply });
        Assert.True(File.Exists(keep));
        Assert.False(File.Exists(Path.Combine(dirs.Root, dirs.Outside.TrimStart('/'), "keep")));
    }
}
