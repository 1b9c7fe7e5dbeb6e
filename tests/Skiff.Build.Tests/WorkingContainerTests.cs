using System.Text;
using Skiff.Build;
using Skiff.Build.Containers;
using Skiff.Build.Copy;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Interop;
using Skiff.Storage;
using Skiff.TestKit;

namespace Skiff.Build.Tests;

/// <summary>Working containers on a real store in a temp dir (overlay and vfs).</summary>
public sealed class WorkingContainerTests : IDisposable
{
    private readonly TempDir _dir = new("skiff-build-store");
    private readonly Dictionary<string, Store> _stores = [];

    private Store Open(string driver)
    {
        var store = Store.Open(new StoreOptions { GraphRoot = _dir.Combine(driver, "root"), RunRoot = _dir.Combine(driver, "run"), Driver = driver });
        _stores[driver] = store;
        return store;
    }

    public void Dispose()
    {
        foreach (Store s in _stores.Values)
        {
            s.Dispose();
        }
        string prefix = _dir.Path + "/";
        foreach (string m in Mounts.ListMountPoints().Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).OrderByDescending(m => m.Length))
        {
            try
            {
                Mounts.Unmount(m, Mounts.MNT_DETACH);
            }
            catch (SystemCallException)
            {
            }
        }
        _dir.Dispose();
    }

    /// <summary>A one-layer base image named localhost/base:latest with /etc/os-release and /bin/tool.</summary>
    private static async Task<ImageRecord> BaseImageAsync(Store store)
    {
        byte[] tar = new TarBuilder().Directory("etc").File("etc/os-release", "base").Directory("bin").File("bin/tool", "#!", mode: 0x1ED).File("etc/gone", "x").Build();
        LayerRecord layer = await store.PutLayerAsync(new MemoryStream(tar), null);
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            Config = new ContainerConfig { Env = ["PATH=/bin"], WorkingDir = "/srv" },
            RootFs = new RootFs { DiffIds = [layer.DiffId] },
            History = [new HistoryEntry { CreatedBy = "base layer" }],
        };
        byte[] configBytes = config.ToJson();
        var manifest = new ImageManifest
        {
            MediaType = MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayer, Digest = layer.DiffId, Size = layer.UncompressedSize }],
        };
        return await store.PutImageAsync(new NewImage
        {
            ConfigBytes = configBytes,
            Manifest = new ManifestBlob(manifest.ToJson(), MediaTypes.OciManifest),
            TopLayer = layer.Id,
            Names = ["localhost/base:latest"],
        });
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task From_mount_write_config_commit_gives_an_image_with_the_change_as_a_new_layer(string driver)
    {
        Store store = Open(driver);
        await BaseImageAsync(store);
        var wc = new WorkingContainers(store);
        Builder b = await wc.FromAsync(new FromRequest { Image = "base" });
        Assert.Equal("base-working-container", b.Name);
        Assert.Equal("localhost/base:latest", b.State.FromImage);

        string root = await wc.MountAsync(b);
        await File.WriteAllTextAsync(Path.Combine(root, "etc/added"), "new");
        File.Delete(Path.Combine(root, "etc/gone"));
        await wc.ConfigureAsync(b, new ConfigEdit { Cmd = "/sbin/init", Ports = ["80"], Author = "me", CreatedBy = "Software Factory" });

        CommitResult result = await wc.CommitAsync(wc.Open(b.Name), new CommitRequest { Destination = "sf-image" });
        ImageRecord image = store.FindImage("sf-image")!;
        Assert.Equal(result.ImageId, image.Id);
        Assert.Contains("localhost/sf-image:latest", image.Names);
        ImageConfig config = ImageConfig.Parse(store.ReadImageConfig(image));
        Assert.Equal(["/sbin/init"], config.Config!.Cmd);
        Assert.Equal("/srv", config.Config.WorkingDir);
        Assert.Equal("me", config.Author);
        Assert.Equal(2, config.RootFs.DiffIds.Count);
        Assert.Equal(["base layer", "Software Factory"], config.History!.Select(h => h.CreatedBy));
        Assert.Equal(WorkingContainers.BuildahVersion, config.Config.Labels!["io.buildah.version"]);
        var manifest = ImageManifest.Parse(store.ReadImageManifest(image).Bytes);
        Assert.Equal("localhost/base:latest", manifest.Annotations!["org.opencontainers.image.base.name"]);

        // A container of the new image sees the added file and not the deleted one.
        Builder again = await wc.FromAsync(new FromRequest { Image = "sf-image" });
        string root2 = await wc.MountAsync(again);
        Assert.Equal("new", await File.ReadAllTextAsync(Path.Combine(root2, "etc/added")));
        Assert.False(File.Exists(Path.Combine(root2, "etc/gone")));
        Assert.Equal("base", await File.ReadAllTextAsync(Path.Combine(root2, "etc/os-release")));
    }

    [Fact]
    public async Task Names_count_up_as_buildah_numbers_them_and_scratch_is_working_container()
    {
        Store store = Open("overlay");
        await BaseImageAsync(store);
        var wc = new WorkingContainers(store);
        Assert.Equal("base-working-container", (await wc.FromAsync(new FromRequest { Image = "base" })).Name);
        Assert.Equal("base-working-container-1", (await wc.FromAsync(new FromRequest { Image = "base" })).Name);
        Assert.Equal("base-working-container-2", (await wc.FromAsync(new FromRequest { Image = "localhost/base:latest" })).Name);
        Assert.Equal("working-container", (await wc.FromAsync(new FromRequest { Image = "scratch" })).Name);
        Assert.Equal("mine", (await wc.FromAsync(new FromRequest { Image = "scratch", Name = "mine" })).Name);
        Assert.Equal(5, wc.List().Count);
        await Assert.ThrowsAsync<NameInUseException>(() => wc.FromAsync(new FromRequest { Image = "scratch", Name = "mine" }));
    }

    [Fact]
    public async Task An_unknown_image_is_refused_without_creating_a_container()
    {
        Store store = Open("overlay");
        var wc = new WorkingContainers(store);
        var e = await Assert.ThrowsAsync<ImageNotFoundException>(() => wc.FromAsync(new FromRequest { Image = "nothere" }));
        Assert.Contains("nothere", e.Message);
        Assert.Empty(store.ListContainers());
    }

    [Fact]
    public async Task Squash_docker_format_rm_and_history_comment()
    {
        Store store = Open("overlay");
        await BaseImageAsync(store);
        var wc = new WorkingContainers(store);
        Builder b = await wc.FromAsync(new FromRequest { Image = "base" });
        await wc.CopyAsync(b, new AddCopyRequest { Sources = [Path.Combine(AppContext.BaseDirectory, "Skiff.Build.Tests.dll")], Destination = "/app/" });
        await wc.ConfigureAsync(b, new ConfigEdit { Shell = "/bin/bash -c", OnBuild = ["RUN echo hi"], HistoryComment = "why" });
        await wc.CommitAsync(wc.Open(b.Id), new CommitRequest { Destination = "squashed", Format = "docker", Squash = true, Remove = true });
        Assert.Empty(wc.List());
        ImageRecord image = store.FindImage("squashed")!;
        ManifestBlob manifest = store.ReadImageManifest(image);
        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
        string configJson = Encoding.UTF8.GetString(store.ReadImageConfig(image));
        ImageConfig config = ImageConfig.Parse(Encoding.UTF8.GetBytes(configJson));
        Assert.Single(config.RootFs.DiffIds);
        Assert.Equal("why", Assert.Single(config.History!).Comment);
        Assert.Contains("\"Shell\":[\"/bin/bash\",\"-c\"]", configJson);
        Assert.Contains("\"OnBuild\":[\"RUN echo hi\"]", configJson);
        Assert.Equal("/bin/bash -c", config.History![0].CreatedBy);
    }

    [Fact]
    public async Task Commit_to_an_oci_layout_leaves_no_image_behind_and_from_reads_it_back()
    {
        Store store = Open("overlay");
        await BaseImageAsync(store);
        var wc = new WorkingContainers(store);
        Builder b = await wc.FromAsync(new FromRequest { Image = "base" });
        string root = await wc.MountAsync(b);
        await File.WriteAllTextAsync(Path.Combine(root, "marker"), "exported");
        string layout = _dir.Combine("layout");
        await wc.CommitAsync(b, new CommitRequest { Destination = $"oci:{layout}:exported" });
        Assert.Single(store.ListImages());
        Assert.True(File.Exists(Path.Combine(layout, "index.json")));

        await wc.DeleteAsync(b);
        Builder back = await wc.FromAsync(new FromRequest { Image = $"oci:{layout}:exported" });
        string root2 = await wc.MountAsync(back);
        Assert.Equal("exported", await File.ReadAllTextAsync(Path.Combine(root2, "marker")));
        Assert.Equal(2, store.ListImages().Count);
    }
}
