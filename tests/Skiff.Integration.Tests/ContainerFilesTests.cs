using System.Formats.Tar;
using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class ContainerFilesTests
{
    [SkippableFact]
    public async Task Commit_makes_an_image_with_the_changes_the_config_message_and_author()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "--name", "src", "-e", "FROM_CTR=1", "busybox", "sh", "-c", "echo made > /made.txt; rm /bin/vi");
        string id = (await c.OkAsync("commit", "-m", "my message", "-a", "Me <me@example.com>", "--change", "CMD [\"cat\", \"/made.txt\"]", "--change", "LABEL stage=two", "src", "committed")).Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        Assert.Equal("made\n", await c.OkAsync("run", "--rm", "committed"));
        Assert.Equal("gone 1\n", await c.OkAsync("run", "--rm", "committed", "sh", "-c", "test -e /bin/vi || echo gone $FROM_CTR"));
        using JsonDocument doc = JsonDocument.Parse(await c.OkAsync("image", "inspect", "committed"));
        JsonElement img = doc.RootElement[0];
        Assert.Equal("Me <me@example.com>", img.GetProperty("Author").GetString());
        Assert.Equal("my message", img.GetProperty("Comment").GetString());
        Assert.Equal("two", img.GetProperty("Config").GetProperty("Labels").GetProperty("stage").GetString());
        Assert.Equal(2, img.GetProperty("RootFS").GetProperty("Layers").GetArrayLength());
    }

    [SkippableFact]
    public async Task Cp_cannot_escape_the_container_root_through_its_symlinks_in_either_direction()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string hostDir = c.Cli.Scratch("host");
        Directory.CreateDirectory(hostDir);
        string secret = Path.Combine(hostDir, "host-secret");
        File.WriteAllText(secret, "host only");
        await c.OkAsync("create", "--name", "box", "busybox", "true");
        // Links in the container pointing at "/" and at an absolute host-looking path.
        await c.OkAsync("run", "--name", "links", "busybox", "sh", "-c",
            $"echo container-secret > /secret; ln -s / /escape; ln -s {secret} /abs; ln -s ../../../../../{secret.TrimStart('/')} /climb; mkdir -p {hostDir}; echo in-container > {secret}");

        // Out of the container: the links resolve inside its root.
        string outDir = c.Cli.Scratch("out");
        Directory.CreateDirectory(outDir);
        await c.OkAsync("cp", "links:/abs", Path.Combine(outDir, "abs"));
        Assert.Equal("in-container\n", File.ReadAllText(Path.Combine(outDir, "abs")));
        await c.OkAsync("cp", "links:/climb", Path.Combine(outDir, "climb"));
        Assert.Equal("in-container\n", File.ReadAllText(Path.Combine(outDir, "climb")));
        await c.OkAsync("cp", "links:/escape/secret", Path.Combine(outDir, "via-escape"));
        Assert.Equal("container-secret\n", File.ReadAllText(Path.Combine(outDir, "via-escape")));

        // Into the container: writing through its links lands inside its root, never on the host.
        string payload = c.Cli.Scratch("payload.txt");
        File.WriteAllText(payload, "payload");
        await c.OkAsync("cp", payload, "links:/escape" + hostDir + "/dropped.txt");
        await c.OkAsync("cp", payload, "links:/abs");
        Assert.False(File.Exists(Path.Combine(hostDir, "dropped.txt")));
        Assert.Equal("host only", File.ReadAllText(secret));
        // ...and is found inside the container.
        string readBack = c.Cli.Scratch("read-back");
        await c.OkAsync("cp", "links:" + hostDir + "/dropped.txt", readBack);
        Assert.Equal("payload", File.ReadAllText(readBack));
    }

    [SkippableFact]
    public async Task Cp_copies_directories_both_ways()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string src = c.Cli.Scratch("tree");
        Directory.CreateDirectory(Path.Combine(src, "sub"));
        File.WriteAllText(Path.Combine(src, "sub", "f.txt"), "deep");
        await c.OkAsync("create", "--name", "box", "busybox", "cat", "/tree/sub/f.txt");
        await c.OkAsync("cp", src, "box:/");
        Assert.Equal(0, (await c.RunAsync("start", "box")).ExitCode);
        Assert.Equal("0\n", await c.OkAsync("wait", "box"));
        Assert.Equal("deep", await c.OkAsync("logs", "box"));
        string back = c.Cli.Scratch("back");
        await c.OkAsync("cp", "box:/tree", back);
        Assert.Equal("deep", File.ReadAllText(Path.Combine(back, "sub", "f.txt")));
    }

    [SkippableFact]
    public async Task Diff_export_mount_and_unmount()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "--name", "changed", "busybox", "sh", "-c", "echo a > /added; echo x >> /etc/passwd; rm /bin/vi");
        string diff = await c.OkAsync("diff", "changed");
        Assert.Contains("A /added\n", diff);
        Assert.Contains("C /etc/passwd\n", diff);
        Assert.Contains("D /bin/vi\n", diff);
        Assert.DoesNotContain("/etc/hosts", diff);

        string tarPath = c.Cli.Scratch("export.tar");
        await c.OkAsync("export", "-o", tarPath, "changed");
        var names = new List<string>();
        await using (FileStream fs = File.OpenRead(tarPath))
        using (var reader = new TarReader(fs))
        {
            while (reader.GetNextEntry() is { } e)
            {
                names.Add(e.Name.TrimStart('.', '/'));
            }
        }
        Assert.Contains("added", names);
        Assert.Contains("bin/sh", names);
        Assert.DoesNotContain("bin/vi", names);

        string path = (await c.OkAsync("mount", "changed")).Trim();
        Assert.Equal("a\n", File.ReadAllText(Path.Combine(path, "added")));
        Assert.Contains(path, await c.OkAsync("mount"));
        await c.OkAsync("unmount", "changed");
        Assert.DoesNotContain(path, File.ReadAllText("/proc/self/mounts"));
    }

    [SkippableFact]
    public async Task Volumes_are_created_listed_inspected_shared_and_removed()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        Assert.Equal("data\n", await c.OkAsync("volume", "create", "--label", "k=v", "data"));
        Assert.Contains("local       data", await c.OkAsync("volume", "ls"));
        using (JsonDocument doc = JsonDocument.Parse(await c.OkAsync("volume", "inspect", "data")))
        {
            JsonElement v = doc.RootElement[0];
            Assert.Equal("data", v.GetProperty("Name").GetString());
            Assert.Equal("v", v.GetProperty("Labels").GetProperty("k").GetString());
            Assert.True(Directory.Exists(v.GetProperty("Mountpoint").GetString()));
        }
        await c.OkAsync("run", "--name", "writer", "--mount", "type=volume,source=data,target=/data", "busybox", "sh", "-c", "echo shared > /data/f");
        Assert.Equal("shared\n", await c.OkAsync("run", "--rm", "-v", "data:/d:ro", "busybox", "cat", "/d/f"));
        ProcessResult inUse = await c.RunAsync("volume", "rm", "data");
        Assert.Equal(125, inUse.ExitCode);
        await c.OkAsync("rm", "writer");
        Assert.Equal("data\n", await c.OkAsync("volume", "rm", "data"));
        Assert.Equal(1, (await c.RunAsync("volume", "exists", "data")).ExitCode);
    }

    [SkippableFact]
    public async Task User_network_gives_its_subnet_and_goes_away()
    {
        Skip.IfNot(ContainerCli.Available && File.Exists("/usr/lib/podman/netavark"));
        using ContainerCli c = await ContainerCli.CreateAsync();
        string name = "skt" + Guid.NewGuid().ToString("N")[..6];
        await c.OkAsync("network", "create", "--subnet", "10.197.3.0/24", name);
        Assert.Contains(name, await c.OkAsync("network", "ls"));
        Assert.Contains("inet 10.197.3.", await c.OkAsync("run", "--rm", "--network", name, "busybox", "ip", "-4", "addr", "show", "eth0"));
        Assert.Equal(name + "\n", await c.OkAsync("network", "rm", name));
        Assert.Equal(1, (await c.RunAsync("network", "exists", name)).ExitCode);
    }
}
