using System.Text;
using Skiff.Image;

namespace Skiff.Image.Tests;

public class ManifestTests
{
    private static readonly string D1 = "sha256:" + new string('1', 64);
    private static readonly string D2 = "sha256:" + new string('2', 64);

    [Fact]
    public void Unknown_fields_survive_a_round_trip()
    {
        string json = $$"""
            {"schemaVersion":2,"mediaType":"{{MediaTypes.OciManifest}}","x-vendor":{"a":[1,2]},
             "config":{"mediaType":"{{MediaTypes.OciConfig}}","digest":"{{D1}}","size":7,"x-extra":true},
             "layers":[{"mediaType":"{{MediaTypes.OciLayerGzip}}","digest":"{{D2}}","size":9}]}
            """;
        ImageManifest m = ImageManifest.Parse(Encoding.UTF8.GetBytes(json));
        string again = Encoding.UTF8.GetString(m.ToJson());
        Assert.Contains("\"x-vendor\":{\"a\":[1,2]}", again);
        Assert.Contains("\"x-extra\":true", again);
        Assert.Equal(D2, m.Layers[0].Digest.ToString());
    }

    [Fact]
    public void Parse_rejects_negative_sizes()
    {
        string json = $$"""{"schemaVersion":2,"config":{"mediaType":"x","digest":"{{D1}}","size":-1},"layers":[]}""";
        Assert.Throws<MalformedImageException>(() => ImageManifest.Parse(Encoding.UTF8.GetBytes(json)));
    }

    [Fact]
    public void Parse_rejects_garbage() =>
        Assert.Throws<MalformedImageException>(() => ImageManifest.Parse("{not json"u8));

    [Fact]
    public void Parse_rejects_manifests_over_the_size_cap() =>
        Assert.Throws<MalformedImageException>(() => ImageManifest.Parse(new byte[ImageManifest.MaxBytes + 1]));

    [Fact]
    public void Index_select_prefers_exact_variant()
    {
        var index = new ImageIndex
        {
            Manifests =
            [
                new Descriptor { Digest = Digest.Parse(D1), Platform = new Platform { Os = "linux", Architecture = "arm64" } },
                new Descriptor { Digest = Digest.Parse(D2), Platform = new Platform { Os = "linux", Architecture = "arm64", Variant = "v8" } },
            ],
        };
        Assert.Equal(D2, index.Select(Platform.Parse("linux/arm64/v8"))!.Digest.ToString());
        Assert.Null(index.Select(Platform.Parse("linux/amd64")));
    }

    [Fact]
    public void Config_keeps_docker_specific_fields()
    {
        string json = """{"architecture":"amd64","os":"linux","docker_version":"20.10","config":{"Cmd":["sh"],"Hostname":"x"},"rootfs":{"type":"layers","diff_ids":[]}}""";
        ImageConfig c = ImageConfig.Parse(Encoding.UTF8.GetBytes(json));
        string again = Encoding.UTF8.GetString(c.ToJson());
        Assert.Contains("\"docker_version\":\"20.10\"", again);
        Assert.Contains("\"Hostname\":\"x\"", again);
        Assert.Equal(["sh"], c.Config!.Cmd!);
    }

    [Theory]
    [InlineData("""{"schemaVersion":2,"manifests":[]}""", MediaTypes.OciIndex)]
    [InlineData("""{"schemaVersion":2,"config":{}}""", MediaTypes.OciManifest)]
    [InlineData("""{"mediaType":"application/vnd.docker.distribution.manifest.v2+json"}""", MediaTypes.DockerManifest)]
    public void Sniffer_tells_manifest_kinds(string json, string expected) =>
        Assert.Equal(expected, ManifestSniffer.DetectMediaType(Encoding.UTF8.GetBytes(json)));
}

public class ManifestWritingTests
{
    [Fact]
    public void Written_manifests_keep_plus_signs_literal_and_hold_no_computed_fields()
    {
        var m = new ImageManifest
        {
            MediaType = MediaTypes.DockerManifest,
            Config = new Descriptor { MediaType = MediaTypes.DockerConfig, Digest = Digest.Compute([]), Size = 0 },
        };
        string json = System.Text.Encoding.UTF8.GetString(m.ToJson());
        Assert.Contains("\"application/vnd.docker.distribution.manifest.v2+json\"", json);
        Assert.DoesNotContain("IsDocker", json);
    }
}
