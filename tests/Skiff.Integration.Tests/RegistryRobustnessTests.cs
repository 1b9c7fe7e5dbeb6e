using System.Diagnostics;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>Pulls killed mid-way and pulls running side by side leave a consistent store.</summary>
public class RegistryRobustnessTests
{
    [SkippableFact]
    public async Task Kill_9_at_ten_moments_of_a_pull_then_the_next_pull_completes_and_the_store_is_consistent()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        Skip.If(!File.Exists(Fixtures.DebianTar), "Debian fixture not built (scripts/fixtures.sh --debian)");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var source = new SkiffCli();
        string id = (await source.OkAsync("import", Fixtures.DebianTar, "debian")).Trim()[7..];
        string image = $"{server.Host}/kill/debian:1";
        await source.OkAsync("push", "-q", "--tls-verify=false", "debian", image);

        using var skiff = new SkiffCli();
        var stopwatch = Stopwatch.StartNew();
        await skiff.OkAsync("pull", "-q", "--tls-verify=false", image);
        long fullMs = Math.Max(stopwatch.ElapsedMilliseconds, 200);
        await skiff.OkAsync("rmi", "-a", "-f");

        for (int moment = 0; moment < 10; moment++)
        {
            var psi = new ProcessStartInfo(SkiffCli.Binary!)
            {
                ArgumentList = { "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "pull", "-q", "--tls-verify=false", image },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process p = Process.Start(psi)!;
            await Task.Delay((int)(fullMs * moment / 10));
            try
            {
                p.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already finished: this moment is "after the end".
            }
            await p.WaitForExitAsync();

            string listed = (await skiff.OkAsync("images", "--format", "{{.ID}}")).Trim();
            Assert.True(listed == "" || id.StartsWith(listed, StringComparison.Ordinal), listed);
            ProcessResult check = await skiff.RunAsync("system", "check");
            Assert.True(check.ExitCode == 0, $"after a kill at moment {moment}: {check}");

            Assert.Equal(id, (await skiff.OkAsync("pull", "-q", "--tls-verify=false", image)).Trim());
            Assert.Equal(0, (await skiff.RunAsync("system", "check")).ExitCode);
            await skiff.OkAsync("rmi", "-a", "-f");
        }
    }

    [SkippableFact]
    public async Task Four_concurrent_pulls_of_images_sharing_a_layer_store_it_once()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var source = new SkiffCli();
        var ids = new List<string>();
        for (int i = 0; i < 4; i++)
        {
            // The same rootfs with a different config each time: four images, one layer.
            ids.Add((await source.OkAsync("import", "--change", $"LABEL n={i}", Fixtures.BusyboxTar, $"img{i}")).Trim()[7..]);
            await source.OkAsync("push", "-q", "--tls-verify=false", $"img{i}", $"{server.Host}/shared/img:{i}");
        }
        using var skiff = new SkiffCli();
        ProcessResult[] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(i =>
            skiff.RunAsync("pull", "-q", "--tls-verify=false", $"{server.Host}/shared/img:{i}")));
        for (int i = 0; i < 4; i++)
        {
            Assert.True(results[i].ExitCode == 0, results[i].ToString());
            Assert.Equal(ids[i], results[i].StdOut.Trim());
        }
        string layers = await skiff.OkAsync("image", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", ids[0], ids[1], ids[2], ids[3]);
        Assert.Single(layers.Split('\n', StringSplitOptions.RemoveEmptyEntries).Distinct());
        Assert.Equal(0, (await skiff.RunAsync("system", "check")).ExitCode);
    }

    [SkippableFact]
    public async Task Four_concurrent_pulls_of_images_sharing_base_layers_fetch_and_store_each_layer_once()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { AccessLog = true });
        // Three base layers shared by all four images, one layer of each image's own; ~2 MB a layer, so pulls overlap.
        MemoryImage[] images = RandomImage.CreateSharingBase(4, sharedLayers: 3, ownLayers: 1,
            new RandomImageOptions { FilesPerLayer = 4, MaxFileSize = 1 << 20, Seed = 11 });
        for (int k = 0; k < images.Length; k++)
        {
            await server.PushAsync(images[k], "family/img", $"v{k}");
        }

        using var skiff = new SkiffCli();
        ProcessResult[] results = await Task.WhenAll(Enumerable.Range(0, 4).Select(k =>
            skiff.RunAsync("pull", "-q", "--tls-verify=false", $"{server.Host}/family/img:v{k}")));
        for (int k = 0; k < 4; k++)
        {
            Assert.True(results[k].ExitCode == 0, results[k].ToString());
            Assert.Equal(images[k].ParseManifest().Config.Digest.Hex, results[k].StdOut.Trim());
        }

        var layers = images.SelectMany(i => i.ParseManifest().Layers).Select(l => l.Digest).Distinct().ToList();
        Assert.Equal(3 + 4, layers.Count);
        string fetches = string.Join(", ", layers.Select(d => $"{d.Hex[..12]}: {server.BlobGets("family/img", d)}"));
        Assert.True(layers.All(d => server.BlobGets("family/img", d) == 1), "GETs per layer blob: " + fetches);

        string listed = await skiff.OkAsync("images", "--format", "{{.Tag}}");
        Assert.Equal(["v0", "v1", "v2", "v3"], listed.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order());
        string layerDirs = Path.Combine(skiff.Root, skiff.Driver);
        Assert.Equal(7, Directory.GetDirectories(layerDirs).Count(d => Path.GetFileName(d).Length == 64));
        ProcessResult check = await skiff.RunAsync("system", "check");
        Assert.True(check.ExitCode == 0, check.ToString());
    }
}
