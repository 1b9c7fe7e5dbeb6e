using Skiff.Image;

namespace Skiff.Storage.Tests;

public class ConcurrencyTests
{
    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task Parallel_stores_on_one_root_keep_indexes_consistent(string driver)
    {
        using var t = new TestStore(driver);
        Store[] stores = [t.Store, t.OpenAnother(), t.OpenAnother(), t.OpenAnother()];
        byte[][] bases = [.. Enumerable.Range(0, 3).Select(i => Layers.Tar(("base", "b" + i)))];
        byte[][] tops = [.. Enumerable.Range(0, 4).Select(i => Layers.Tar(("top", "t" + i)))];
        string[] tags = [.. Enumerable.Range(0, 5).Select(i => $"localhost/app{i}:latest")];
        var unexpected = new List<Exception>();
        int done = 0;

        async Task WorkerAsync(int worker)
        {
            var random = new Random(worker);
            Store store = stores[worker % stores.Length];
            for (int op = 0; op < 40; op++)
            {
                try
                {
                    switch (random.Next(4))
                    {
                        case 0:
                        case 1:
                            LayerRecord b = await store.PutLayerAsync(new MemoryStream(bases[random.Next(bases.Length)]), null);
                            LayerRecord top = await store.PutLayerAsync(new MemoryStream(tops[random.Next(tops.Length)]), b.Id);
                            await store.PutImageAsync(Layers.Image(top.Id, $"{b.Id[..6]}-{top.Id[..6]}", names: tags[random.Next(tags.Length)]));
                            break;
                        case 2:
                            IReadOnlyList<ImageRecord> images = store.ListImages();
                            if (images.Count > 0)
                            {
                                await store.AddImageNamesAsync(images[random.Next(images.Count)].Id, [tags[random.Next(tags.Length)]]);
                            }
                            break;
                        default:
                            IReadOnlyList<ImageRecord> all = store.ListImages();
                            if (all.Count > 0)
                            {
                                await store.DeleteImageAsync(all[random.Next(all.Count)].Id);
                            }
                            break;
                    }
                    Interlocked.Increment(ref done);
                }
                catch (Exception e) when (e is ImageNotFoundException or LayerNotFoundException)
                {
                    // Another worker removed what this one was about to use.
                }
                catch (Exception e)
                {
                    lock (unexpected)
                    {
                        unexpected.Add(e);
                    }
                }
            }
        }

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() => WorkerAsync(w))));
        foreach (Store s in stores.Skip(1))
        {
            s.Dispose();
        }

        Assert.Empty(unexpected);
        Assert.True(done > 150, $"only {done} operations succeeded");

        using Store fresh = t.OpenAnother();
        IReadOnlyList<LayerRecord> layers = fresh.ListLayers();
        IReadOnlyList<ImageRecord> finalImages = fresh.ListImages();
        Assert.Equal(layers.Count, layers.Select(l => l.Id).Distinct().Count());
        Assert.Equal(finalImages.Count, finalImages.Select(i => i.Id).Distinct().Count());
        foreach (LayerRecord layer in layers)
        {
            Assert.True(layer.Parent is null || layers.Any(l => l.Id == layer.Parent), $"layer {layer.Id} lost its parent");
            Assert.True(Directory.Exists(Path.Combine(t.GraphRoot, t.Driver, layer.Id, "diff")));
        }
        foreach (ImageRecord image in finalImages)
        {
            Assert.Contains(layers, l => l.Id == image.TopLayer);
        }
        var names = finalImages.SelectMany(i => i.Names).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
        string[] dirs = [.. Directory.GetDirectories(Path.Combine(t.GraphRoot, t.Driver)).Select(Path.GetFileName).Where(n => n is not ("l" or "empty"))!];
        Assert.Equal(layers.Select(l => l.Id).Order(), dirs.Order());
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, "tmp")));
        Assert.Empty((await fresh.CheckAsync(repair: false)).Problems);
    }
}
