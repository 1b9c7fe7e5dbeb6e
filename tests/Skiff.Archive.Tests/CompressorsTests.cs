using System.Security.Cryptography;
using Skiff.Image;
using Skiff.TestKit;

namespace Skiff.Archive.Tests;

public class CompressorsTests
{
    [Theory]
    [InlineData(new byte[] { 0x1f, 0x8b, 0x08, 0x00 }, Compression.Gzip)]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f, 0xfd }, Compression.Zstd)]
    [InlineData(new byte[] { 0x28, 0xb5, 0x2f }, Compression.None)]
    [InlineData(new byte[] { (byte)'u', (byte)'s' }, Compression.None)]
    [InlineData(new byte[0], Compression.None)]
    public void Detect_recognises_magic_bytes(byte[] head, Compression expected) =>
        Assert.Equal(expected, Compressors.Detect(head));

    [Theory]
    [InlineData(Compression.None)]
    [InlineData(Compression.Gzip)]
    [InlineData(Compression.Zstd)]
    public async Task Compressor_output_decompresses_to_the_input_from_a_non_seekable_stream(Compression compression)
    {
        byte[] data = RandomNumberGenerator.GetBytes(200_000);
        MemoryStream compressed = new();
        await using (Stream c = Compressors.OpenCompressor(compressed, compression, level: 1, leaveOpen: true))
        {
            await c.WriteAsync(data);
        }
        Assert.True(compressed.CanWrite, "leaveOpen keeps the output usable");
        Assert.Equal(compression, Compressors.Detect(compressed.ToArray()));

        (Stream s, Compression detected) = await Compressors.OpenDecompressedAsync(new NonSeekableStream(new MemoryStream(compressed.ToArray())));
        await using (s)
        {
            MemoryStream back = new();
            await s.CopyToAsync(back);
            Assert.Equal(compression, detected);
            Assert.Equal(data, back.ToArray());
        }
    }

    [Fact]
    public async Task OpenDecompressed_sniffs_content_not_names_and_replays_short_input()
    {
        (Stream s, Compression detected) = await Compressors.OpenDecompressedAsync(new MemoryStream([0x1f]));
        MemoryStream back = new();
        await s.CopyToAsync(back);
        Assert.Equal(Compression.None, detected);
        Assert.Equal(new byte[] { 0x1f }, back.ToArray());
    }

    [Fact]
    public async Task OpenDecompressed_reads_zstd_made_elsewhere()
    {
        byte[] tar = new TarBuilder().File("a", "hello").Build();
        (Stream s, Compression detected) = await Compressors.OpenDecompressedAsync(new MemoryStream(TarBuilder.Zstd(tar)));
        MemoryStream back = new();
        await s.CopyToAsync(back);
        Assert.Equal(Compression.Zstd, detected);
        Assert.Equal(tar, back.ToArray());
    }
}
