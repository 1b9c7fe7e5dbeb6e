using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Dir;
using Skiff.Transports.Oci;

namespace Skiff.Transports.Tests;

public sealed class TransportRegistryTests
{
    private readonly TransportRegistry _registry = TransportRegistry.CreateWithFileTransports();

    [Fact]
    public void Knows_the_file_transports() =>
        Assert.Equal(["dir", "docker-archive", "oci", "oci-archive"], _registry.Names.Order(StringComparer.Ordinal));

    [Fact]
    public void Unknown_transport_is_reported_like_skopeo()
    {
        var e = Assert.Throws<ReferenceFormatException>(() => _registry.ParseImageName("x:y"));
        Assert.Equal("Invalid image name \"x:y\", unknown transport \"x\"", e.Message);
    }

    [Fact]
    public void Name_without_transport_is_reported()
    {
        var e = Assert.Throws<ReferenceFormatException>(() => _registry.ParseImageName("busybox"));
        Assert.Contains("expected colon-separated transport:reference", e.Message);
    }

    [Fact]
    public void Registering_a_name_twice_is_refused() =>
        Assert.Throws<InvalidOperationException>(() => _registry.Register(OciLayoutTransport.Instance));

    [Theory]
    [InlineData("oci:/tmp/layout", "/tmp/layout", null)]
    [InlineData("oci:/tmp/layout:latest", "/tmp/layout", "latest")]
    [InlineData("oci:/tmp/layout:busybox:1.36", "/tmp/layout", "busybox:1.36")]
    [InlineData("oci-archive:/tmp/a.tar:v1", "/tmp/a.tar", "v1")]
    public void Oci_references_split_path_and_name_at_the_first_colon(string input, string path, string? name)
    {
        IImageReference r = _registry.ParseImageName(input);
        (string p, string? n) = r switch
        {
            OciLayoutReference o => (o.Path, o.ImageName),
            OciArchiveReference a => (a.Path, a.ImageName),
            _ => throw new InvalidOperationException(),
        };
        Assert.Equal(path, p);
        Assert.Equal(name, n);
        Assert.Equal(input, TransportRegistry.Format(_registry.ParseImageName(TransportRegistry.Format(r))));
    }

    [Fact]
    public void Dir_reference_is_made_absolute()
    {
        var r = (DirectoryReference)_registry.ParseImageName("dir:relative/path");
        Assert.True(Path.IsPathRooted(r.Path));
    }

    [Theory]
    [InlineData("oci:")]
    [InlineData("oci::tag")]
    [InlineData("oci:/tmp/x:bad name")]
    [InlineData("dir:")]
    public void Malformed_references_are_refused(string input) =>
        Assert.Throws<ReferenceFormatException>(() => _registry.ParseImageName(input));
}
