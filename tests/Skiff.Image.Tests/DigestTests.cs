using System.Text;
using Skiff.Image;

namespace Skiff.Image.Tests;

public class DigestTests
{
    private const string EmptySha256 = "sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    [Fact]
    public void Compute_of_empty_input_is_the_well_known_sha256() =>
        Assert.Equal(EmptySha256, Digest.Compute([]).ToString());

    [Theory]
    [InlineData("sha256:abc")]
    [InlineData("sha256:E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855")]
    [InlineData("md5:d41d8cd98f00b204e9800998ecf8427e")]
    [InlineData("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")]
    [InlineData("")]
    public void Parse_rejects_malformed_digests(string value)
    {
        Assert.False(Digest.TryParse(value, out _));
        Assert.Throws<FormatException>(() => Digest.Parse(value));
    }

    [Fact]
    public void Parse_accepts_sha512()
    {
        string hex = new('a', 128);
        Digest d = Digest.Parse("sha512:" + hex);
        Assert.Equal("sha512", d.Algorithm);
        Assert.Equal(hex, d.Encoded);
    }

    [Fact]
    public void Bare_image_id_parses_as_sha256() =>
        Assert.True(Digest.TryParseIdOrDigest(EmptySha256[7..], out Digest d) && d.ToString() == EmptySha256);

    [Fact]
    public async Task DigestingStream_passes_bytes_that_match()
    {
        byte[] data = Encoding.UTF8.GetBytes("hello layers");
        using var s = new DigestingStream(new MemoryStream(data), Digest.Compute(data), data.Length);
        var copy = new MemoryStream();
        await s.CopyToAsync(copy);
        Assert.Equal(data, copy.ToArray());
    }

    [Fact]
    public async Task DigestingStream_throws_at_end_when_bytes_do_not_match_the_digest()
    {
        byte[] data = Encoding.UTF8.GetBytes("hello layers");
        using var s = new DigestingStream(new MemoryStream(data), Digest.Compute("other"u8), data.Length);
        await Assert.ThrowsAsync<DigestMismatchException>(() => s.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task DigestingStream_throws_when_body_is_longer_than_declared()
    {
        byte[] data = new byte[100];
        using var s = new DigestingStream(new MemoryStream(data), Digest.Compute(data), 10);
        await Assert.ThrowsAsync<DigestMismatchException>(() => s.CopyToAsync(Stream.Null));
    }

    [Fact]
    public async Task DigestingStream_throws_when_body_is_truncated()
    {
        byte[] data = new byte[100];
        using var s = new DigestingStream(new MemoryStream(data, 0, 50), Digest.Compute(data), 100);
        await Assert.ThrowsAsync<DigestMismatchException>(() => s.CopyToAsync(Stream.Null));
    }

    [Fact]
    public void Sha512_hasher_produces_sha512_digest()
    {
        using var h = new DigestHasher("sha512");
        h.Append("x"u8);
        Assert.Equal("sha512", h.GetDigest().Algorithm);
        Assert.Equal(128, h.GetDigest().Encoded.Length);
    }
}
