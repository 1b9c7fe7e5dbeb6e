using System.Text.Json;
using Skiff.Image;
using Skiff.TestKit;
using static Skiff.Integration.Tests.RegistryCliTests;

namespace Skiff.Integration.Tests;

/// <summary>The issue's flags that select platforms, compression and signatures, each against a real registry.</summary>
public class RegistryFlagsTests
{
    private static readonly Platform[] Platforms =
    [
        new() { Os = "linux", Architecture = "amd64" },
        new() { Os = "linux", Architecture = "arm64", Variant = "v8" },
        new() { Os = "linux", Architecture = "arm", Variant = "v7" },
    ];

    private static string ConfigOf(MemoryImage index, int platform)
    {
        Descriptor entry = ImageIndex.Parse(index.Manifest!.Bytes).Manifests[platform];
        return index.ParseManifest(entry.Digest).Config.Digest.Hex;
    }

    [SkippableFact]
    public async Task Pull_picks_the_instance_of_an_index_named_by_platform_arch_os_and_variant()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        MemoryImage index = RandomImage.CreateIndex(Platforms, new RandomImageOptions { Layers = 1, Seed = 3 });
        await server.PushAsync(index, "multi/img", "1");
        string name = $"{server.Host}/multi/img:1";

        using var skiff = new SkiffCli();
        Assert.Equal(ConfigOf(index, 0), (await skiff.OkAsync("pull", "-q", "--tls-verify=false", name)).Trim());
        Assert.Equal(ConfigOf(index, 1), (await skiff.OkAsync("pull", "-q", "--tls-verify=false", "--platform", "linux/arm64/v8", name)).Trim());
        Assert.Equal(ConfigOf(index, 2), (await skiff.OkAsync("pull", "-q", "--tls-verify=false", "--arch", "arm", "--variant", "v7", name)).Trim());
        Assert.Equal(ConfigOf(index, 0), (await skiff.OkAsync("pull", "-q", "--tls-verify=false", "--os", "linux", "--arch", "amd64", name)).Trim());
        ProcessResult missing = await skiff.RunAsync("pull", "-q", "--tls-verify=false", "--arch", "s390x", name);
        Assert.Equal(125, missing.ExitCode);
        Assert.Contains("no image found in manifest list for architecture s390x", missing.StdErr);
        ProcessResult both = await skiff.RunAsync("pull", "--tls-verify=false", "--platform", "linux/arm64", "--arch", "arm", name);
        Assert.Equal(125, both.ExitCode);
        Assert.Contains("--platform option can not be specified with --arch or --os", both.StdErr);
    }

    [SkippableFact]
    public async Task Skopeo_copy_all_keeps_every_instance_and_override_arch_and_inspect_config_pick_one()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        MemoryImage index = RandomImage.CreateIndex(Platforms, new RandomImageOptions { Layers = 1, Seed = 4 });
        await server.PushAsync(index, "multi/img", "1");
        string source = $"docker://{server.Host}/multi/img:1";
        using var skiff = new SkiffCli();

        string all = skiff.Scratch("all");
        await SkopeoOk("copy", "-q", "--all", "--src-tls-verify=false", source, $"oci:{all}:x");
        using (JsonDocument layout = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(all, "index.json"))))
        {
            string top = layout.RootElement.GetProperty("manifests")[0].GetProperty("digest").GetString()!;
            Assert.Equal(index.Manifest!.Digest.ToString(), top);
        }
        foreach (Digest instance in index.Instances.Keys)
        {
            Assert.True(File.Exists(Path.Combine(all, "blobs", "sha256", instance.Hex)), $"instance {instance} not copied");
        }

        string one = skiff.Scratch("one");
        await SkopeoOk("--override-arch", "arm64", "--override-variant", "v8", "copy", "-q", "--src-tls-verify=false", source, $"dir:{one}");
        using (JsonDocument manifest = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(one, "manifest.json"))))
        {
            Assert.Equal(ConfigOf(index, 1), manifest.RootElement.GetProperty("config").GetProperty("digest").GetString()![7..]);
        }

        using (JsonDocument config = JsonDocument.Parse(await SkopeoOk("inspect", "--config", "--tls-verify=false", source)))
        {
            Assert.Equal("amd64", config.RootElement.GetProperty("architecture").GetString());
            Assert.Equal(index.ParseConfig(ImageIndex.Parse(index.Manifest!.Bytes).Manifests[0].Digest).RootFs.DiffIds[0].ToString(),
                config.RootElement.GetProperty("rootfs").GetProperty("diff_ids")[0].GetString());
        }
        using (JsonDocument config = JsonDocument.Parse(await SkopeoOk("--override-arch", "arm", "--override-variant", "v7", "inspect", "--config", "--raw", "--tls-verify=false", source)))
        {
            Assert.Equal("arm", config.RootElement.GetProperty("architecture").GetString());
        }
        using (JsonDocument raw = JsonDocument.Parse(await SkopeoOk("inspect", "--raw", "--tls-verify=false", source)))
        {
            Assert.Equal(3, raw.RootElement.GetProperty("manifests").GetArrayLength());
        }
    }

    [SkippableTheory]
    [InlineData("gzip", "1", "9")]
    [InlineData("zstd", "1", "19")]
    public async Task Push_compression_level_changes_the_layer_size(string format, string low, string high)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var skiff = new SkiffCli();
        string id = (await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        var sizes = new List<long>();
        foreach (string level in new[] { low, high })
        {
            string image = $"{server.Host}/level/bb:{format}{level}";
            await skiff.OkAsync("push", "-q", "--tls-verify=false", "--compression-format", format, "--compression-level", level, "bb", image);
            using JsonDocument raw = JsonDocument.Parse(await SkopeoOk("inspect", "--raw", "--tls-verify=false", $"docker://{image}"));
            JsonElement layer = raw.RootElement.GetProperty("layers")[0];
            Assert.EndsWith(format == "zstd" ? "+zstd" : "gzip", layer.GetProperty("mediaType").GetString());
            sizes.Add(layer.GetProperty("size").GetInt64());
            using var other = new SkiffCli();
            Assert.Equal(id, (await other.OkAsync("pull", "-q", "--tls-verify=false", image)).Trim());
        }
        Assert.True(sizes[1] < sizes[0], $"level {high} gave {sizes[1]} bytes, level {low} {sizes[0]}");

        ProcessResult bad = await skiff.RunAsync("push", "--tls-verify=false", "--compression-format", format, "--compression-level", "42", "bb", $"{server.Host}/level/bb:bad");
        Assert.Equal(125, bad.ExitCode);
        Assert.Contains("invalid compression level 42", bad.StdErr);
    }

    [SkippableFact]
    public async Task Skopeo_copy_dest_compress_level_is_applied_when_it_recompresses()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string layout = skiff.Scratch("layout");
        await skiff.OkAsync("save", "--format", "oci-dir", "-o", layout, "bb");
        var sizes = new List<long>();
        foreach (string level in new[] { "1", "9" })
        {
            string dir = skiff.Scratch("dir" + level);
            await SkopeoOk("copy", "-q", "--dest-compress-format", "gzip", "--dest-compress-level", level, $"oci:{layout}", $"dir:{dir}");
            using JsonDocument m = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(dir, "manifest.json")));
            sizes.Add(m.RootElement.GetProperty("layers")[0].GetProperty("size").GetInt64());
        }
        Assert.True(sizes[1] < sizes[0], $"level 9 gave {sizes[1]} bytes, level 1 {sizes[0]}");
    }

    [SkippableFact]
    public async Task Remove_signatures_is_accepted_by_push_pull_and_copy_and_skips_the_signature_step()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var skiff = new SkiffCli();
        string id = (await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        string image = $"{server.Host}/nosig/bb:1";
        ProcessResult push = await skiff.RunAsync("push", "--tls-verify=false", "--remove-signatures", "bb", image);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.DoesNotContain("Getting image source signatures", push.StdErr);
        Assert.Contains("Writing manifest to image destination", push.StdErr);

        using var other = new SkiffCli();
        ProcessResult pull = await other.RunAsync("pull", "--tls-verify=false", "--remove-signatures", image);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(id, pull.StdOut.Trim());
        Assert.DoesNotContain("Getting image source signatures", pull.StdErr);

        string copy = await SkopeoOk("copy", "--remove-signatures", "--src-tls-verify=false", $"docker://{image}", $"oci:{skiff.Scratch("nosig")}:1");
        Assert.DoesNotContain("Getting image source signatures", copy);
        Assert.Contains("Writing manifest to image destination", copy);
    }
}
