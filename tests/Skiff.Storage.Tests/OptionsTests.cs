namespace Skiff.Storage.Tests;

public class OptionsTests
{
    [Fact]
    public void Storage_table_keys_are_read_and_other_tables_ignored()
    {
        const string toml = """
            # comment
            [storage]
            driver = "vfs"   # trailing comment
            graphroot = "/srv/skiff # not a comment"
            runroot = '/run/x'

            [storage.options]
            driver = "ignored"
            """;
        Dictionary<string, string> values = StorageConfig.ReadStorageTable(toml, "test.conf");
        Assert.Equal("vfs", values["driver"]);
        Assert.Equal("/srv/skiff # not a comment", values["graphroot"]);
        Assert.Equal("/run/x", values["runroot"]);
    }

    [Fact]
    public void Config_from_environment_variable_sets_roots_and_flags_override_it()
    {
        string file = Path.Combine(Path.GetTempPath(), "skiff-storage-conf-" + Guid.NewGuid().ToString("N") + ".conf");
        File.WriteAllText(file, "[storage]\ndriver = \"vfs\"\ngraphroot = \"/srv/g\"\nrunroot = \"/srv/r\"\n");
        try
        {
            StoreOptions fromFile = StorageConfig.Load(null, null, null, name => name == "CONTAINERS_STORAGE_CONF" ? file : null);
            Assert.Equal(("vfs", "/srv/g", "/srv/r", file), (fromFile.Driver, fromFile.GraphRoot, fromFile.RunRoot, fromFile.ConfigFile));

            StoreOptions overridden = StorageConfig.Load("/a", "/b", "overlay", name => name == "CONTAINERS_STORAGE_CONF" ? file : null);
            Assert.Equal(("overlay", "/a", "/b"), (overridden.Driver, overridden.GraphRoot, overridden.RunRoot));
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Unknown_driver_is_refused()
    {
        StorageException e = Assert.Throws<StorageException>(() => StorageConfig.Load(null, null, "btrfs", _ => null));
        Assert.Contains("btrfs", e.Message);
    }

    [Fact]
    public async Task Store_made_with_overlay_refuses_to_open_as_vfs()
    {
        using var t = new TestStore("overlay");
        await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));

        StorageException e = Assert.Throws<StorageException>(() => Store.Open(t.Options with { Driver = "vfs" }));
        Assert.Contains("database configuration mismatch", e.Message);
        using Store again = Store.Open(t.Options);
        Assert.Equal("overlay", again.Options.Driver);
    }
}
