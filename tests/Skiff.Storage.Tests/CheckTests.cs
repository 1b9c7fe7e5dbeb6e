namespace Skiff.Storage.Tests;

public class CheckTests
{
    [Fact]
    public async Task Check_of_intact_store_reports_nothing()
    {
        using var t = new TestStore();
        LayerRecord l1 = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        LayerRecord l2 = await Layers.PutAsync(t.Store, Layers.Tar(("b", "2")), l1.Id);
        await t.Store.PutImageAsync(Layers.Image(l2.Id, "ok"));

        CheckReport report = await t.Store.CheckAsync(repair: true);

        Assert.Empty(report.Problems);
        Assert.Empty(report.Removed);
        Assert.Single(t.Store.ListImages());
    }

    [Fact]
    public async Task Check_finds_damaged_layer_and_repair_removes_it_with_its_images()
    {
        using var t = new TestStore();
        LayerRecord l1 = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        LayerRecord l2 = await Layers.PutAsync(t.Store, Layers.Tar(("b", "2")), l1.Id);
        ImageRecord damaged = await t.Store.PutImageAsync(Layers.Image(l2.Id, "damaged"));
        LayerRecord other = await Layers.PutAsync(t.Store, Layers.Tar(("c", "3")));
        ImageRecord intact = await t.Store.PutImageAsync(Layers.Image(other.Id, "intact"));
        File.Delete(Path.Combine(t.GraphRoot, t.Driver + "-layers", l1.Id + ".tar-split"));

        CheckReport found = await t.Store.CheckAsync(repair: false);
        Assert.Contains(found.Problems, p => p.Kind == "layer" && p.Id == l1.Id);
        Assert.Contains(found.Problems, p => p.Kind == "layer" && p.Id == l2.Id);
        Assert.Contains(found.Problems, p => p.Kind == "image" && p.Id == damaged.Id);
        Assert.Empty(found.Removed);
        Assert.Equal(2, t.Store.ListImages().Count);

        CheckReport repaired = await t.Store.CheckAsync(repair: true);
        Assert.Equal(new[] { damaged.Id, l1.Id, l2.Id }.Order(), repaired.Removed.Order());
        Assert.Equal([intact.Id], t.Store.ListImages().Select(i => i.Id));
        Assert.Equal([other.Id], t.Store.ListLayers().Select(l => l.Id));
        Assert.Empty((await t.Store.CheckAsync(repair: false)).Problems);
    }

    [Fact]
    public async Task Check_finds_image_whose_config_changed()
    {
        using var t = new TestStore();
        ImageRecord image = await t.Store.PutImageAsync(Layers.Image(null, "cfg"));
        File.WriteAllText(Path.Combine(t.GraphRoot, t.Driver + "-images", image.Id, "config.json"), "{}");

        CheckReport report = await t.Store.CheckAsync(repair: true);

        Assert.Contains(report.Problems, p => p.Kind == "image" && p.Id == image.Id && p.Description.Contains("config"));
        Assert.Equal([image.Id], report.Removed);
        Assert.Empty(t.Store.ListImages());
    }

    [Fact]
    public async Task Check_finds_layer_whose_files_changed_on_disk()
    {
        using var t = new TestStore();
        LayerRecord layer = await Layers.PutAsync(t.Store, Layers.Tar(("etc", null), ("etc/passwd", "root:x:0:0")));
        // Same length, different bytes: only reassembly and hashing can tell.
        File.WriteAllText(Path.Combine(t.GraphRoot, t.Driver, layer.Id, "diff", "etc", "passwd"), "evil:x:0:0");

        CheckReport report = await t.Store.CheckAsync(repair: false);

        CheckProblem problem = Assert.Single(report.Problems);
        Assert.Equal(("layer", layer.Id), (problem.Kind, problem.Id));
        Assert.Contains("diff id", problem.Description);
    }
}
