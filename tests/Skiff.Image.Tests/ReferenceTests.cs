using Skiff.Image;

namespace Skiff.Image.Tests;

public class ReferenceTests
{
    [Theory]
    [InlineData("busybox", "docker.io/library/busybox")]
    [InlineData("busybox:1.36", "docker.io/library/busybox:1.36")]
    [InlineData("user/app", "docker.io/user/app")]
    [InlineData("quay.io/podman/hello:latest", "quay.io/podman/hello:latest")]
    [InlineData("localhost:5000/a/b:c", "localhost:5000/a/b:c")]
    [InlineData("localhost/x", "localhost/x")]
    [InlineData("index.docker.io/library/debian", "docker.io/library/debian")]
    [InlineData("[::1]:5000/x:y", "[::1]:5000/x:y")]
    public void Parse_normalises_like_docker(string input, string expected) =>
        Assert.Equal(expected, Reference.Parse(input).ToString());

    [Theory]
    [InlineData("busybox", "localhost/busybox:latest")]
    [InlineData("sf-image", "localhost/sf-image:latest")]
    [InlineData("my/app:v1", "localhost/my/app:v1")]
    [InlineData("quay.io/x/y", "quay.io/x/y:latest")]
    public void ParseLocal_puts_short_names_under_localhost(string input, string expected) =>
        Assert.Equal(expected, Reference.ParseLocal(input).ToString());

    [Fact]
    public void Parse_keeps_tag_and_digest()
    {
        string d = "sha256:" + new string('0', 64);
        Reference r = Reference.Parse($"127.0.0.1:5000/x/y:tag@{d}");
        Assert.Equal("127.0.0.1:5000", r.Domain);
        Assert.Equal("x/y", r.Path);
        Assert.Equal("tag", r.Tag);
        Assert.Equal(d, r.Digest.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("Busybox")]
    [InlineData("busybox:")]
    [InlineData("a//b")]
    [InlineData("a@sha256:xyz")]
    [InlineData("-leading/dash")]
    public void Parse_rejects_invalid_references(string input) =>
        Assert.Throws<ReferenceFormatException>(() => Reference.Parse(input));

    [Fact]
    public void Parse_rejects_names_longer_than_255_characters() =>
        Assert.Throws<ReferenceFormatException>(() => Reference.Parse(new string('a', 300)));
}
