using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class SystemCommandsTests
{
    [SkippableFact]
    public async Task Version_prints_the_version()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        Assert.Matches(@"Version:\s+\d+\.\d+\.\d+", await skiff.OkAsync("version"));
    }

    [SkippableFact]
    public async Task Info_reports_store_paths_driver_and_counts()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli("vfs");
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string info = await skiff.OkAsync("info", "--format", "{{.Store.GraphRoot}}|{{.Store.RunRoot}}|{{.Store.GraphDriverName}}|{{.Store.ImageStore.Number}}");
        Assert.Equal($"{skiff.Root}|{skiff.RunRoot}|vfs|1", info.Trim());
        using JsonDocument doc = JsonDocument.Parse(await skiff.OkAsync("info", "--format", "json"));
        Assert.Equal(skiff.Root, doc.RootElement.GetProperty("store").GetProperty("graphRoot").GetString());
    }

    [SkippableFact]
    public async Task Storage_conf_named_by_the_environment_sets_the_store_location()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var dir = new TempDir();
        string conf = dir.Combine("storage.conf");
        await File.WriteAllTextAsync(conf, $"[storage]\ndriver = \"vfs\"\ngraphroot = \"{dir.Combine("g")}\"\nrunroot = \"{dir.Combine("r")}\"\n");
        ProcessResult r = await ProcessRunner.RunAsync(SkiffCli.Binary!, ["info", "--format", "{{.Store.GraphRoot}} {{.Store.GraphDriverName}}"],
            env: new Dictionary<string, string> { ["CONTAINERS_STORAGE_CONF"] = conf });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal($"{dir.Combine("g")} vfs", r.StdOut.Trim());
        await ProcessRunner.RunAsync(SkiffCli.Binary!, ["--root", dir.Combine("g"), "--runroot", dir.Combine("r"), "system", "reset", "-f"]);
    }

    [SkippableFact]
    public async Task System_df_counts_images_and_reset_empties_the_store()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string df = await skiff.OkAsync("system", "df");
        Assert.Matches(@"Images\s+1\s+0\s+", df);
        await skiff.OkAsync("system", "reset", "-f");
        Assert.Equal("", (await skiff.OkAsync("images", "-q")).Trim());
    }

    [SkippableFact]
    public async Task Unknown_command_exits_125()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        ProcessResult r = await skiff.RunAsync("frobnicate");
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("unrecognized command", r.StdErr);
    }
}
