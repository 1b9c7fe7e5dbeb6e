using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.TestKit;
using Skiff.Transports.Copy;

namespace Skiff.Transports.Tests;

public sealed class RoundTripTests
{
    private static readonly TransportRegistry Registry = TransportRegistry.CreateWithFileTransports();
    private readonly ImageCopier _copier = new();

    public static TheoryData<string, Compression, bool> Cases()
    {
        var data = new TheoryData<string, Compression, bool>();
        foreach (string t in new[] { "oci:{0}/layout:v1", "oci-archive:{0}/image.tar:v1", "dir:{0}/dir", "docker-archive:{0}/docker.tar:example.com/foo:v1" })
        {
            foreach (Compression c in new[] { Compression.Gzip, Compression.None, Compression.Zstd })
            {
                data.Add(t, c, false);
            }
            data.Add(t, Compression.Gzip, true);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task Random_image_survives_memory_to_transport_to_memory(string name, Compression compression, bool docker)
    {
        using var dir = new TempDir();
        MemoryImage original = RandomImage.Create(new RandomImageOptions { Layers = 3, Compression = compression, Docker = docker });
        IImageReference middle = Registry.ParseImageName(string.Format(System.Globalization.CultureInfo.InvariantCulture, name, dir.Path));

        CopyResult first = await _copier.CopyAsync(new MemoryImageReference(original), middle);
        await ImageValidator.AssertValidAsync(middle);

        var back = new MemoryImage();
        CopyResult second = await _copier.CopyAsync(middle, new MemoryImageReference(back));
        await using (IImageSource src = await new MemoryImageReference(back).OpenSourceAsync())
        {
            await ImageValidator.AssertValidAsync(src);
        }

        Assert.Equal(original.ParseConfig().RootFs.DiffIds, back.ParseConfig().RootFs.DiffIds);
        Assert.Equal(first.ConfigDigest, second.ConfigDigest);
        Assert.Equal(original.ParseManifest().Config.Digest, back.ParseManifest().Config.Digest);
        bool converted = name.StartsWith("docker-archive", StringComparison.Ordinal) || (docker && name.StartsWith("oci", StringComparison.Ordinal));
        if (!converted)
        {
            // Transports that keep blobs as they are give back the very same manifest.
            Assert.Equal(original.Manifest!.Digest, back.Manifest!.Digest);
            Assert.Equal(original.Manifest.Digest, first.ManifestDigest);
        }
        else if (docker && !name.StartsWith("docker-archive", StringComparison.Ordinal))
        {
            // OCI layouts hold OCI manifests: the Docker image was converted on the way in.
            Assert.Equal(MediaTypes.OciManifest, back.Manifest!.MediaType);
            Assert.All(back.ParseManifest().Layers, l => Assert.Equal(MediaTypes.OciLayerGzip, l.MediaType));
        }
        else
        {
            Assert.Equal(MediaTypes.DockerManifest, back.Manifest!.MediaType);
            Assert.All(back.ParseManifest().Layers, l => Assert.Equal(MediaTypes.DockerLayer, l.MediaType));
        }
    }

    [Fact]
    public async Task Oci_layout_keeps_several_tags_and_replaces_a_retagged_one()
    {
        using var dir = new TempDir();
        MemoryImage a = RandomImage.Create(new RandomImageOptions { Seed = 1 });
        MemoryImage b = RandomImage.Create(new RandomImageOptions { Seed = 2 });
        MemoryImage c = RandomImage.Create(new RandomImageOptions { Seed = 3 });
        await _copier.CopyAsync(new MemoryImageReference(a), Registry.ParseImageName($"oci:{dir.Path}:a"));
        await _copier.CopyAsync(new MemoryImageReference(b), Registry.ParseImageName($"oci:{dir.Path}:b"));
        await _copier.CopyAsync(new MemoryImageReference(c), Registry.ParseImageName($"oci:{dir.Path}:a"));

        ImageIndex index = ImageIndex.Parse(File.ReadAllBytes(dir["index.json"]));
        Assert.Equal(2, index.Manifests.Count);
        var back = new MemoryImage();
        await _copier.CopyAsync(Registry.ParseImageName($"oci:{dir.Path}:a"), new MemoryImageReference(back));
        Assert.Equal(c.Manifest!.Digest, back.Manifest!.Digest);
        var onlyOne = await Assert.ThrowsAsync<ImageNotFoundException>(() => Registry.ParseImageName($"oci:{dir.Path}").OpenSourceAsync());
        Assert.Contains("more than one image", onlyOne.Message);
    }

    [Fact]
    public async Task Docker_archive_writer_puts_several_images_in_one_archive()
    {
        using var dir = new TempDir();
        MemoryImage a = RandomImage.Create(new RandomImageOptions { Seed = 11 });
        MemoryImage b = RandomImage.Create(new RandomImageOptions { Seed = 12, Docker = true });
        string path = dir["multi.tar"];
        await using (var writer = DockerArchive.DockerArchiveWriter.Create(path))
        {
            await _copier.CopyAsync(new MemoryImageReference(a), writer.NewReference([Reference.Parse("localhost/a:1"), Reference.Parse("localhost/a:latest")]));
            await _copier.CopyAsync(new MemoryImageReference(b), writer.NewReference(Reference.Parse("quay.io/x/b:2")));
            Assert.False(File.Exists(path));
            await writer.CloseAsync();
        }
        Assert.Empty(Directory.GetFiles(dir.Path, ".*"));

        IReadOnlyList<DockerArchive.DockerArchiveManifestItem> items = await DockerArchive.DockerArchiveSource.ListImagesAsync(path);
        Assert.Equal(2, items.Count);
        Assert.Equal(["localhost/a:1", "localhost/a:latest"], items[0].RepoTags!);
        Assert.Equal(["quay.io/x/b:2"], items[1].RepoTags!);

        foreach ((string r, MemoryImage expected) in new[] { ("@0", a), ("@1", b), ("localhost/a:latest", a), ("quay.io/x/b:2", b) })
        {
            IImageReference reference = Registry.ParseImageName($"docker-archive:{path}:{r}");
            await ImageValidator.AssertValidAsync(reference);
            var back = new MemoryImage();
            await _copier.CopyAsync(reference, new MemoryImageReference(back));
            Assert.Equal(expected.ParseManifest().Config.Digest, back.ParseManifest().Config.Digest);
        }
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Registry.ParseImageName($"docker-archive:{path}").OpenSourceAsync());
        await Assert.ThrowsAsync<ImageNotFoundException>(() => Registry.ParseImageName($"docker-archive:{path}:@2").OpenSourceAsync());
    }

    [Fact]
    public async Task Dir_destination_replaces_a_previous_image_and_refuses_foreign_directories()
    {
        using var dir = new TempDir();
        IImageReference target = Registry.ParseImageName($"dir:{dir["img"]}");
        await _copier.CopyAsync(new MemoryImageReference(RandomImage.Create(new RandomImageOptions { Seed = 5 })), target);
        MemoryImage second = RandomImage.Create(new RandomImageOptions { Seed = 6, Layers = 1 });
        await _copier.CopyAsync(new MemoryImageReference(second), target);
        Assert.Equal(4, Directory.GetFiles(dir["img"]).Length); // version, manifest.json, config, one layer
        Assert.Equal("Directory Transport Version: 1.1\n", File.ReadAllText(Path.Combine(dir["img"], "version")));

        Directory.CreateDirectory(dir["foreign"]);
        File.WriteAllText(Path.Combine(dir["foreign"], "precious.txt"), "keep me");
        await Assert.ThrowsAsync<SkiffException>(() => _copier.CopyAsync(new MemoryImageReference(second), Registry.ParseImageName($"dir:{dir["foreign"]}")));
        Assert.Equal("keep me", File.ReadAllText(Path.Combine(dir["foreign"], "precious.txt")));
    }
}
