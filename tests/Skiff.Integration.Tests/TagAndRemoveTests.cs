using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class TagAndRemoveTests
{
    [SkippableFact]
    public async Task Rmi_of_one_of_several_names_only_untags()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        await skiff.OkAsync("tag", "bb", "bb2");
        Assert.Equal("Untagged: localhost/bb2:latest", (await skiff.OkAsync("rmi", "bb2")).Trim());
        Assert.Equal(0, (await skiff.RunAsync("image", "exists", "bb")).ExitCode);
        Assert.Equal(1, (await skiff.RunAsync("image", "exists", "bb2")).ExitCode);
    }

    [SkippableFact]
    public async Task Rmi_by_id_prefix_deletes_the_image_and_its_layers()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        string id = (await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        string output = await skiff.OkAsync("rmi", id[..6]);
        Assert.Contains("Untagged: localhost/bb:latest", output);
        Assert.Contains("Deleted: " + id, output);
        Assert.Equal("", (await skiff.OkAsync("images", "-q")).Trim());
        Assert.Contains("0", (await skiff.OkAsync("info", "--format", "{{.Store.ImageStore.Number}}")).Trim());
    }

    [SkippableFact]
    public async Task Rmi_of_an_unknown_image_says_so_and_exits_1()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        ProcessResult r = await skiff.RunAsync("rmi", "nosuch");
        Assert.Equal(1, r.ExitCode);
        Assert.Equal("Error: nosuch: image not known", r.StdErr.Trim());
    }

    [SkippableFact]
    public async Task Untag_without_names_leaves_a_dangling_image()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        await skiff.OkAsync("tag", "bb", "other.io/x/y:1");
        await skiff.OkAsync("untag", "bb");
        Assert.Equal("<none>", (await skiff.OkAsync("images", "--format", "{{.Repository}}")).Trim());
    }

    [SkippableFact]
    public async Task Tag_moves_a_name_from_the_image_that_had_it()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "app");
        string second = (await skiff.OkAsync("import", "--change", "CMD sh", Fixtures.BusyboxTar, "app")).Trim()[7..19];
        string rows = await skiff.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
        Assert.Contains($"localhost/app:latest {second}", rows);
        Assert.Contains("<none>:<none>", rows);
    }

    [SkippableFact]
    public async Task Rmi_all_removes_everything_and_prune_removes_dangling()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar);
        await skiff.OkAsync("import", "--change", "CMD sh", Fixtures.BusyboxTar, "kept");
        Assert.Contains("", await skiff.OkAsync("image", "prune", "-f"));
        Assert.Equal("localhost/kept", (await skiff.OkAsync("images", "--format", "{{.Repository}}")).Trim());
        await skiff.OkAsync("rmi", "-a");
        Assert.Equal("", (await skiff.OkAsync("images", "-q")).Trim());
    }

    [SkippableFact]
    public async Task History_shows_the_import_entry_with_its_comment()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", "--message", "hello history", Fixtures.BusyboxTar, "bb");
        string h = await skiff.OkAsync("history", "--format", "{{.CreatedBy}}|{{.Comment}}", "bb");
        Assert.StartsWith("/bin/sh -c #(nop) ADD file:", h.Trim());
        Assert.EndsWith("|hello history", h.Trim());
    }
}
