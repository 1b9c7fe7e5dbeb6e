using System.IO.Compression;
using Skiff.Archive;

namespace Skiff.Archive.Tests;

public class ParallelGzipStreamTests
{
    /// <summary>Half compressible text, half random bytes, so blocks differ in how well they compress.</summary>
    private static byte[] Sample(int length, int seed)
    {
        var random = new Random(seed);
        byte[] data = new byte[length];
        for (int i = 0; i < length; i++)
        {
            data[i] = (i / 4096) % 2 == 0 ? (byte)"the quick brown fox jumps over the lazy dog\n"[i % 44] : (byte)random.Next(256);
        }
        return data;
    }

    private static byte[] Compress(byte[] data, int? level = null, int blockSize = 64 * 1024, int? threads = null, int writeSize = 7000)
    {
        using var ms = new MemoryStream();
        using (var gz = new ParallelGzipStream(ms, level, leaveOpen: true, blockSize: blockSize, threads: threads))
        {
            for (int at = 0; at < data.Length; at += writeSize)
            {
                gz.Write(data, at, Math.Min(writeSize, data.Length - at));
            }
        }
        return ms.ToArray();
    }

    private static byte[] Gunzip(byte[] gz)
    {
        using var input = new GZipStream(new MemoryStream(gz), CompressionMode.Decompress);
        using var output = new MemoryStream();
        input.CopyTo(output);
        return output.ToArray();
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(1000)]
    [InlineData(64 * 1024)]
    [InlineData(64 * 1024 + 1)]
    [InlineData(1_000_000)]
    public void Output_is_one_gzip_member_that_decompresses_to_the_input(int length)
    {
        byte[] data = Sample(length, length);
        byte[] gz = Compress(data);
        Assert.Equal(data, Gunzip(gz));
        Assert.Equal(new byte[] { 0x1f, 0x8b, 8 }, gz[..3]);
        // The trailer holds the size of the whole input: one member, not one per block.
        Assert.Equal((uint)length, BitConverter.ToUInt32(gz, gz.Length - 4));
        Assert.Equal(Skiff.Image.Compression.Gzip, Compressors.Detect(gz));
    }

    [Fact]
    public async Task Async_writes_and_the_system_gzip_tool_agree_with_the_input()
    {
        byte[] data = Sample(3_000_000, 3);
        using var ms = new MemoryStream();
        await using (var gz = new ParallelGzipStream(ms, leaveOpen: true, blockSize: 256 * 1024))
        {
            await gz.WriteAsync(data.AsMemory(0, 1_000_000));
            await gz.WriteAsync(data.AsMemory(1_000_000));
        }
        Assert.Equal(data, Gunzip(ms.ToArray()));
        if (File.Exists("/usr/bin/gzip") || File.Exists("/bin/gzip"))
        {
            string path = Path.Combine(Path.GetTempPath(), $"pgz-{Guid.NewGuid():N}.gz");
            try
            {
                await File.WriteAllBytesAsync(path, ms.ToArray());
                var psi = new System.Diagnostics.ProcessStartInfo("gzip", ["-t", path]) { RedirectStandardError = true };
                using var p = System.Diagnostics.Process.Start(psi)!;
                string err = await p.StandardError.ReadToEndAsync();
                await p.WaitForExitAsync();
                Assert.True(p.ExitCode == 0, "gzip -t: " + err);
            }
            finally
            {
                File.Delete(path);
            }
        }
    }

    [Fact]
    public void Same_input_gives_the_same_bytes_whatever_the_number_of_threads_or_write_sizes()
    {
        byte[] data = Sample(700_000, 5);
        byte[] one = Compress(data, threads: 1, writeSize: 1);
        Assert.Equal(one, Compress(data, threads: 8, writeSize: 65536));
        Assert.Equal(one, Compress(data, threads: 2, writeSize: 12345));
    }

    [Fact]
    public void Higher_level_is_smaller_and_level_zero_stores()
    {
        byte[] data = Sample(500_000, 7);
        byte[] fast = Compress(data, level: 1);
        byte[] best = Compress(data, level: 9);
        byte[] stored = Compress(data, level: 0);
        Assert.True(best.Length <= fast.Length, $"level 9: {best.Length}, level 1: {fast.Length}");
        Assert.True(stored.Length > data.Length, $"stored: {stored.Length}");
        Assert.Equal(data, Gunzip(stored));
    }
}
