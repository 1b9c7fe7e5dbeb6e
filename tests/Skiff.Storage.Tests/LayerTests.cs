using System.Security.Cryptography;
using System.Text;
using Skiff.Image;

namespace Skiff.Storage.Tests;

public class LayerTests
{
    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task PutLayer_extracts_and_keys_base_layer_by_its_diff_id(string driver)
    {
        using var t = new TestStore(driver);
        byte[] tar = Layers.Tar(("etc", null), ("etc/hostname", "skiff\n"));
        LayerRecord layer = await Layers.PutAsync(t.Store, tar);

        Digest diffId = Digest.Compute(tar);
        Assert.Equal(diffId, layer.DiffId);
        Assert.Equal(diffId.Hex, layer.Id);
        Assert.Null(layer.Parent);
        Assert.Equal(tar.Length, layer.UncompressedSize);
        Assert.Null(layer.CompressedDigest);
        Assert.Equal("skiff\n", File.ReadAllText(Path.Combine(t.GraphRoot, t.Driver, layer.Id, "diff", "etc", "hostname")));
        Assert.Single(t.Store.ListLayers());
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task PutLayer_on_parent_uses_chain_id(string driver)
    {
        using var t = new TestStore(driver);
        LayerRecord parent = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        byte[] tar = Layers.Tar(("b", "2"));
        LayerRecord child = await Layers.PutAsync(t.Store, tar, parent.Id);

        string expected = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"sha256:{parent.Id} {Digest.Compute(tar)}")));
        Assert.Equal(expected, child.Id);
        Assert.Equal(parent.Id, child.Parent);
        string diff = Path.Combine(t.GraphRoot, t.Driver, child.Id, "diff");
        Assert.True(File.Exists(Path.Combine(diff, "b")));
        // vfs keeps a full tree per layer; overlay only the diff.
        Assert.Equal(driver == "vfs", File.Exists(Path.Combine(diff, "a")));
    }

    [Fact]
    public async Task PutLayer_returns_existing_record_for_same_chain_id()
    {
        using var t = new TestStore();
        byte[] tar = Layers.Tar(("a", "1"));
        LayerRecord first = await Layers.PutAsync(t.Store, tar);
        LayerRecord second = await Layers.PutAsync(t.Store, tar);

        Assert.Equal(first, second);
        Assert.Single(t.Store.ListLayers());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, "tmp")));
    }

    [Fact]
    public async Task PutLayer_with_wrong_expected_diff_id_throws_and_keeps_nothing()
    {
        using var t = new TestStore();
        byte[] tar = Layers.Tar(("a", "1"));
        Digest wrong = Digest.Compute("other"u8);

        await Assert.ThrowsAsync<DigestMismatchException>(() => t.Store.PutLayerAsync(new MemoryStream(tar), null, wrong));

        Assert.Empty(t.Store.ListLayers());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, "tmp")));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver)), d => Path.GetFileName(d) is not ("l" or "empty"));
    }

    [Fact]
    public async Task PutLayer_records_compressed_digest_of_gzip_blob()
    {
        using var t = new TestStore();
        byte[] tar = Layers.Tar(("a", "1"));
        byte[] gz = Layers.Gzip(tar);
        LayerRecord layer = await t.Store.PutLayerAsync(new MemoryStream(gz), null, Digest.Compute(tar), Digest.Compute(gz));

        Assert.Equal(Digest.Compute(tar), layer.DiffId);
        Assert.Equal(Digest.Compute(gz), layer.CompressedDigest);
        Assert.Equal(gz.Length, layer.CompressedSize);
    }

    [Fact]
    public async Task PutLayer_refuses_unknown_parent()
    {
        using var t = new TestStore();
        await Assert.ThrowsAsync<LayerNotFoundException>(() => Layers.PutAsync(t.Store, Layers.Tar(("a", "1")), new string('a', 64)));
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task WriteLayerTar_reproduces_the_original_tar(string driver)
    {
        using var t = new TestStore(driver);
        LayerRecord parent = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        byte[] tar = Layers.Tar(("dir", null), ("dir/file", "content"), ("b", "2"));
        LayerRecord layer = await Layers.PutAsync(t.Store, tar, parent.Id);

        using var output = new MemoryStream();
        await t.Store.WriteLayerTarAsync(layer.Id, output);

        Assert.Equal(tar, output.ToArray());
    }

    [Fact]
    public async Task WriteLayerTar_of_unknown_layer_throws()
    {
        using var t = new TestStore();
        await Assert.ThrowsAsync<LayerNotFoundException>(() => t.Store.WriteLayerTarAsync(new string('b', 64), Stream.Null));
    }

    [Fact]
    public async Task PutLayer_with_wrong_blob_digest_throws_and_keeps_nothing()
    {
        using var t = new TestStore();
        byte[] tar = Layers.Tar(("a", "1"));
        Digest wrong = Digest.Compute("other"u8);

        await Assert.ThrowsAsync<DigestMismatchException>(() => t.Store.PutLayerAsync(new MemoryStream(Layers.Gzip(tar)), null, null, wrong));
        await Assert.ThrowsAsync<DigestMismatchException>(() => t.Store.PutLayerAsync(new MemoryStream(tar), null, null, wrong));

        Assert.Empty(t.Store.ListLayers());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, "tmp")));
    }
}
