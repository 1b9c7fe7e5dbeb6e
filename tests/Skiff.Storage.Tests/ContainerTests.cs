using Skiff.Interop;

namespace Skiff.Storage.Tests;

public class ContainerTests
{
    private static async Task<ImageRecord> TwoLayerImageAsync(TestStore t)
    {
        LayerRecord l1 = await Layers.PutAsync(t.Store, Layers.Tar(("etc", null), ("etc/a", "lower"), ("etc/shadowed", "old")));
        LayerRecord l2 = await Layers.PutAsync(t.Store, Layers.Tar(("etc", null), ("etc/b", "upper"), ("etc/shadowed", "new")), l1.Id);
        return await t.Store.PutImageAsync(Layers.Image(l2.Id, "img", names: "localhost/img:latest"));
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task Mounted_container_shows_image_layers_and_writes_go_to_its_own_layer(string driver)
    {
        using var t = new TestStore(driver);
        ImageRecord image = await TwoLayerImageAsync(t);
        ContainerRecord c = await t.Store.CreateContainerAsync(image.Id, "web", "{\"k\":1}");

        string root = await t.Store.MountContainerAsync(c.Id);

        Assert.Equal("lower", File.ReadAllText(Path.Combine(root, "etc/a")));
        Assert.Equal("upper", File.ReadAllText(Path.Combine(root, "etc/b")));
        Assert.Equal("new", File.ReadAllText(Path.Combine(root, "etc/shadowed")));
        File.WriteAllText(Path.Combine(root, "etc/written"), "mine");
        Assert.True(File.Exists(Path.Combine(t.GraphRoot, t.Driver, c.LayerId, "diff", "etc", "written")));
        foreach (LayerRecord layer in t.Store.ListLayers())
        {
            Assert.False(File.Exists(Path.Combine(t.GraphRoot, t.Driver, layer.Id, "diff", "etc", "written")));
        }
        Assert.True(t.Store.IsContainerMounted(c.Id));

        await t.Store.UnmountContainerAsync(c.Id);
        Assert.False(t.Store.IsContainerMounted(c.Id));
    }

    [Fact]
    public async Task Nested_mounts_are_counted_and_force_unmounts_at_once()
    {
        using var t = new TestStore("overlay");
        ImageRecord image = await TwoLayerImageAsync(t);
        ContainerRecord c = await t.Store.CreateContainerAsync(image.Id, null, null);

        string first = await t.Store.MountContainerAsync(c.Id);
        string second = await t.Store.MountContainerAsync(c.Id);
        Assert.Equal(first, second);
        Assert.Single(Mounts.ListMountPoints(), m => m == first);

        await t.Store.UnmountContainerAsync(c.Id);
        Assert.True(t.Store.IsContainerMounted(c.Id));
        await t.Store.UnmountContainerAsync(c.Id);
        Assert.False(t.Store.IsContainerMounted(c.Id));

        await t.Store.MountContainerAsync(c.Id);
        await t.Store.MountContainerAsync(c.Id);
        await t.Store.UnmountContainerAsync(c.Id, force: true);
        Assert.False(t.Store.IsContainerMounted(c.Id));
        Assert.DoesNotContain(first, Mounts.ListMountPoints());
    }

    [Fact]
    public async Task Scratch_container_mounts_an_empty_root()
    {
        using var t = new TestStore("overlay");
        ContainerRecord c = await t.Store.CreateContainerAsync(null, "scratch", null);
        string root = await t.Store.MountContainerAsync(c.Id);
        Assert.Empty(Directory.GetFileSystemEntries(root));
        await t.Store.DeleteContainerAsync(c.Id);
        Assert.DoesNotContain(root, Mounts.ListMountPoints());
    }

    [Fact]
    public async Task Container_names_are_unique()
    {
        using var t = new TestStore();
        ImageRecord image = await TwoLayerImageAsync(t);
        ContainerRecord first = await t.Store.CreateContainerAsync(image.Id, "db", null);

        NameInUseException e = await Assert.ThrowsAsync<NameInUseException>(() => t.Store.CreateContainerAsync(image.Id, "db", null));
        Assert.Contains(first.Id, e.Message);
        Assert.Single(t.Store.ListContainers());
    }

    [Fact]
    public async Task FindContainer_by_id_name_and_prefix()
    {
        using var t = new TestStore();
        ContainerRecord c = await t.Store.CreateContainerAsync(null, "named", "meta");

        Assert.Equal(c.Id, t.Store.FindContainer(c.Id)?.Id);
        Assert.Equal(c.Id, t.Store.FindContainer("named")?.Id);
        Assert.Equal(c.Id, t.Store.FindContainer(c.Id[..12])?.Id);
        Assert.Equal("meta", t.Store.FindContainer("named")?.Metadata);
        Assert.Null(t.Store.FindContainer("other"));
    }

    [Fact]
    public async Task CreateContainer_with_unknown_image_throws()
    {
        using var t = new TestStore();
        await Assert.ThrowsAsync<Skiff.Image.ImageNotFoundException>(() => t.Store.CreateContainerAsync("nope", null, null));
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task DeleteContainer_unmounts_and_removes_its_layer(string driver)
    {
        using var t = new TestStore(driver);
        ImageRecord image = await TwoLayerImageAsync(t);
        ContainerRecord c = await t.Store.CreateContainerAsync(image.Id, "gone", null);
        string root = await t.Store.MountContainerAsync(c.Id);
        Directory.CreateDirectory(t.Store.GetContainerDirectory(c.Id));

        await t.Store.DeleteContainerAsync("gone");

        Assert.Empty(t.Store.ListContainers());
        Assert.DoesNotContain(root, Mounts.ListMountPoints());
        Assert.False(Directory.Exists(Path.Combine(t.GraphRoot, t.Driver, c.LayerId)));
        Assert.False(Directory.Exists(t.Store.GetContainerDirectory(c.Id)));
        Assert.Equal(2, t.Store.ListLayers().Count);
        await Assert.ThrowsAsync<ContainerNotFoundException>(() => t.Store.DeleteContainerAsync("gone"));
    }

    [Fact]
    public async Task Usage_counts_and_reset_empties_the_store()
    {
        using var t = new TestStore();
        ImageRecord image = await TwoLayerImageAsync(t);
        ContainerRecord c = await t.Store.CreateContainerAsync(image.Id, null, null);
        string root = await t.Store.MountContainerAsync(c.Id);
        File.WriteAllText(Path.Combine(root, "data"), "12345");

        StoreUsage usage = t.Store.GetUsage();
        Assert.Equal((1, 2, 1), (usage.Images, usage.Layers, usage.Containers));
        Assert.Equal(image.Size, usage.ImagesSize);
        Assert.Equal(5, usage.ContainersSize);
        Assert.Equal(0, usage.ReclaimableImages);

        await t.Store.ResetAsync();

        Assert.Empty(t.Store.ListImages());
        Assert.Empty(t.Store.ListLayers());
        Assert.Empty(t.Store.ListContainers());
        Assert.DoesNotContain(root, Mounts.ListMountPoints());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver)));
        LayerRecord again = await Layers.PutAsync(t.Store, Layers.Tar(("x", "y")));
        Assert.Single(t.Store.ListLayers(), l => l.Id == again.Id);
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task Whiteouts_in_upper_layer_hide_lower_files(string driver)
    {
        using var t = new TestStore(driver);
        LayerRecord l1 = await Layers.PutAsync(t.Store, Layers.Tar(("etc", null), ("etc/gone", "x"), ("etc/kept", "y"), ("opq", null), ("opq/old", "z")));
        LayerRecord l2 = await Layers.PutAsync(t.Store, Layers.Tar(("etc", null), ("etc/.wh.gone", ""), ("opq", null), ("opq/.wh..wh..opq", ""), ("opq/new", "n")), l1.Id);
        ImageRecord image = await t.Store.PutImageAsync(Layers.Image(l2.Id, "wh"));
        ContainerRecord c = await t.Store.CreateContainerAsync(image.Id, null, null);

        string root = await t.Store.MountContainerAsync(c.Id);

        Assert.False(File.Exists(Path.Combine(root, "etc/gone")));
        Assert.True(File.Exists(Path.Combine(root, "etc/kept")));
        Assert.Equal(["new"], Directory.GetFileSystemEntries(Path.Combine(root, "opq")).Select(Path.GetFileName));
        await t.Store.UnmountContainerAsync(c.Id);

        using var output = new MemoryStream();
        await t.Store.WriteLayerTarAsync(l2.Id, output);
        Assert.Equal(l2.DiffId, Skiff.Image.Digest.Compute(output.ToArray()));
    }

    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task Container_diff_holds_changes_and_deletions(string driver)
    {
        using var t = new TestStore(driver);
        ImageRecord image = await TwoLayerImageAsync(t);
        ContainerRecord c = await t.Store.CreateContainerAsync(image.Id, null, null);
        string root = await t.Store.MountContainerAsync(c.Id);
        File.WriteAllText(Path.Combine(root, "etc/new"), "fresh");
        File.Delete(Path.Combine(root, "etc/a"));
        await t.Store.UnmountContainerAsync(c.Id);

        using var tar = new MemoryStream();
        Skiff.Archive.LayerWriteResult result = await t.Store.WriteContainerDiffAsync(c.Id, tar, new Skiff.Archive.LayerWriteOptions());

        tar.Position = 0;
        var names = new List<string>();
        using (var reader = new System.Formats.Tar.TarReader(tar))
        {
            while (reader.GetNextEntry() is { } entry)
            {
                names.Add(entry.Name.TrimStart('.', '/').TrimEnd('/'));
            }
        }
        Assert.Contains("etc/new", names);
        Assert.Contains("etc/.wh.a", names);
        Assert.DoesNotContain("etc/b", names);
        Assert.Equal(Skiff.Image.Digest.Compute(tar.ToArray()), result.DiffId);

        // The diff stacks onto the image as a new layer that shows the container's view.
        LayerRecord committed = await t.Store.PutLayerAsync(new MemoryStream(tar.ToArray()), image.TopLayer);
        ImageRecord next = await t.Store.PutImageAsync(Layers.Image(committed.Id, "next"));
        ContainerRecord c2 = await t.Store.CreateContainerAsync(next.Id, null, null);
        string root2 = await t.Store.MountContainerAsync(c2.Id);
        Assert.Equal("fresh", File.ReadAllText(Path.Combine(root2, "etc/new")));
        Assert.False(File.Exists(Path.Combine(root2, "etc/a")));
        await t.Store.UnmountContainerAsync(c2.Id);
    }

    [Fact]
    public async Task Rename_and_metadata_update_are_persisted()
    {
        using var t = new TestStore();
        ContainerRecord a = await t.Store.CreateContainerAsync(null, "a", null);
        ContainerRecord b = await t.Store.CreateContainerAsync(null, "b", null);

        await t.Store.SetContainerNamesAsync(a.Id, ["renamed"]);
        await t.Store.SetContainerMetadataAsync("renamed", "{\"state\":\"running\"}");
        await Assert.ThrowsAsync<NameInUseException>(() => t.Store.SetContainerNamesAsync(b.Id, ["renamed"]));

        t.Reopen();
        ContainerRecord found = t.Store.FindContainer("renamed")!;
        Assert.Equal(a.Id, found.Id);
        Assert.Equal("{\"state\":\"running\"}", found.Metadata);
        Assert.Null(t.Store.FindContainer("a"));
        Assert.Equal(["b"], t.Store.FindContainer(b.Id)!.Names);
    }
}
