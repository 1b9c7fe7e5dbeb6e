using System.Formats.Tar;
using Skiff.Transports.Files;

namespace Skiff.Transports.Tests;

public sealed class TarIndexTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(TarEntryFormat.Pax)]
    [InlineData(TarEntryFormat.Gnu)]
    [InlineData(TarEntryFormat.Ustar)]
    public async Task Members_read_in_place_match_what_was_written(TarEntryFormat format)
    {
        var random = new Random(3);
        var files = new Dictionary<string, byte[]>();
        int[] sizes = [0, 1, 511, 512, 513, 4096, 70000];
        for (int i = 0; i < sizes.Length; i++)
        {
            byte[] data = new byte[sizes[i]];
            random.NextBytes(data);
            // Long names need PAX or GNU extension headers before the real header.
            string name = format == TarEntryFormat.Ustar ? $"dir/f{i}" : $"dir/{new string('n', 120 + i)}/f{i}";
            files[name] = data;
        }
        string path = _dir["t.tar"];
        await using (var fs = File.Create(path))
        await using (var w = new TarWriter(fs, format))
        {
            foreach ((string name, byte[] data) in files)
            {
                TarEntry e = format switch
                {
                    TarEntryFormat.Pax => new PaxTarEntry(TarEntryType.RegularFile, name),
                    TarEntryFormat.Gnu => new GnuTarEntry(TarEntryType.RegularFile, name),
                    _ => new UstarTarEntry(TarEntryType.RegularFile, name),
                };
                e.DataStream = new MemoryStream(data);
                await w.WriteEntryAsync(e);
            }
        }

        TarIndex index = await TarIndex.ReadAsync(path, CancellationToken.None);
        // Read in reverse order: members are independent of each other.
        foreach ((string name, byte[] data) in files.Reverse())
        {
            TarIndex.Entry entry = index.Resolve("./" + name)!;
            await using Stream s = index.Open(entry);
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms);
            Assert.Equal(data, ms.ToArray());
        }
    }

    [Fact]
    public async Task Links_resolve_inside_the_archive_only()
    {
        string path = _dir["l.tar"];
        await using (var fs = File.Create(path))
        await using (var w = new TarWriter(fs, TarEntryFormat.Pax))
        {
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.RegularFile, "real") { DataStream = new MemoryStream("x"u8.ToArray()) });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "a/b/up") { LinkName = "../../real" });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "escape") { LinkName = "../../../../real" });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "abs") { LinkName = "/real" });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.HardLink, "hard") { LinkName = "real" });
            await w.WriteEntryAsync(new PaxTarEntry(TarEntryType.SymbolicLink, "host") { LinkName = "/etc/passwd" });
        }
        TarIndex index = await TarIndex.ReadAsync(path, CancellationToken.None);
        foreach (string name in new[] { "a/b/up", "escape", "abs", "hard" })
        {
            Assert.Equal("real", index.Resolve(name)!.Name);
        }
        Assert.Null(index.Resolve("host"));
        Assert.Null(index.Resolve("missing"));
    }
}
