using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>top, events, inspect, ps --size/filters, prune, logs --since and commit's formats, through the binary.</summary>
public class ContainerVerbsTests
{
    private static async Task WaitForAsync(Func<Task<bool>> condition, string what)
    {
        for (int i = 0; i < 200; i++)
        {
            if (await condition())
            {
                return;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException("never happened: " + what);
    }

    [SkippableFact]
    public async Task Top_lists_the_containers_processes_with_podmans_columns_and_descriptors()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "tp", "-u", "1000", "busybox", "sh", "-c", "sleep 1001 & exec sleep 1002");
        await WaitForAsync(async () => (await c.RunAsync("top", "tp")).StdOut.Contains("sleep 1001", StringComparison.Ordinal), "both sleeps");
        string[] lines = (await c.OkAsync("top", "tp")).TrimEnd('\n').Split('\n');
        Assert.Matches(@"^USER\s+PID\s+PPID\s+%CPU\s+ELAPSED\s+TTY\s+TIME\s+COMMAND$", lines[0]);
        Assert.Equal(3, lines.Length);
        // Pids as the container sees them: the main process is 1, the background sleep its child.
        Assert.Matches(@"^1000\s+1\s+0\s+\d+\.\d{3}\s+\S+\s+\?\s+0s\s+sleep 1002$", lines[1]);
        Assert.Matches(@"^1000\s+\d+\s+1\s+.*sleep 1001$", lines[2]);

        string custom = await c.OkAsync("top", "tp", "pid,args", "%U", "seccomp", "capeff");
        Assert.Matches(@"^PID\s+COMMAND\s+USER\s+SECCOMP\s+EFFECTIVE CAPS\n", custom);
        Assert.Contains("filter", custom);
        Assert.Contains("none", custom); // uid 1000 has no effective capabilities

        ProcessResult unknown = await c.RunAsync("top", "tp", "nosuchdescriptor");
        Assert.Equal(125, unknown.ExitCode);
        Assert.Contains("unknown descriptor", unknown.StdErr);
        await c.OkAsync("create", "--name", "idle", "busybox", "true");
        Assert.Equal(125, (await c.RunAsync("top", "idle")).ExitCode);
    }

    [SkippableFact]
    public async Task Events_record_the_lifecycle_and_filter_by_container_event_and_time()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        DateTimeOffset before = DateTimeOffset.UtcNow;
        string id = (await c.OkAsync("run", "-d", "--name", "ev", "--label", "team=a", "busybox", "sleep", "1000")).Trim();
        await c.OkAsync("pause", "ev");
        await c.OkAsync("unpause", "ev");
        await c.OkAsync("exec", "ev", "true");
        await c.OkAsync("stop", "-t", "0", "ev");
        await c.OkAsync("rename", "ev", "ev2");
        await c.OkAsync("rm", "ev2");
        await c.OkAsync("run", "--rm", "--name", "other", "busybox", "true");

        string statuses = await c.OkAsync("events", "--stream=false", "--filter", "container=" + id[..12], "--format", "{{.Status}}");
        Assert.Equal("create init start pause unpause exec exec_died stop died cleanup rename remove", statuses.Trim().ReplaceLineEndings(" "));

        string[] died = (await c.OkAsync("events", "--stream=false", "--filter", "event=died", "--format", "json")).Trim().Split('\n');
        Assert.Equal(2, died.Length);
        using (JsonDocument first = JsonDocument.Parse(died[0]))
        {
            JsonElement e = first.RootElement;
            Assert.Equal(id, e.GetProperty("ID").GetString());
            Assert.Equal("container", e.GetProperty("Type").GetString());
            Assert.Equal("localhost/busybox:latest", e.GetProperty("Image").GetString());
            Assert.Equal(137, e.GetProperty("ContainerExitCode").GetInt32());
            Assert.Equal("a", e.GetProperty("Attributes").GetProperty("team").GetString());
            Assert.EndsWith("Z", e.GetProperty("Time").GetString());
        }
        Assert.Contains("other", await c.OkAsync("events", "--stream=false", "--filter", "label=team=a", "--filter", "container=other", "--format", "{{.Name}}") + "other");
        Assert.Equal("", await c.OkAsync("events", "--stream=false", "--filter", "label=team=b"));

        // Plain text is podman's line; --since/--until bound the time.
        string text = await c.OkAsync("events", "--stream=false", "--filter", "container=other", "--filter", "event=start");
        Assert.Matches(@"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC container start [0-9a-f]{64} \(image=localhost/busybox:latest, name=other\)\n$", text);
        Assert.Equal("", await c.OkAsync("events", "--stream=false", "--until", before.AddSeconds(-5).ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture)));
        Assert.Equal("", await c.OkAsync("events", "--stream=false", "--since", "2099-01-01T00:00:00Z"));
        Assert.Equal(125, (await c.RunAsync("events", "--stream=false", "--filter", "bogus=1")).ExitCode);
        await c.OkAsync("tag", "busybox", "extra");
        await c.OkAsync("rmi", "extra");
        Assert.Equal("tag localhost/extra:latest\nuntag localhost/extra:latest\n",
            await c.OkAsync("events", "--stream=false", "--filter", "type=image", "--format", "{{.Status}} {{.Name}}"));

        // Streaming (podman's default) shows an event that happens after it started, and stops at --until.
        string until = DateTimeOffset.UtcNow.AddSeconds(8).ToString("yyyy-MM-dd'T'HH:mm:ssK", System.Globalization.CultureInfo.InvariantCulture);
        Task<ProcessResult> stream = c.RunAsync("events", "--filter", "event=create", "--format", "{{.Name}}", "--until", until);
        await Task.Delay(1500);
        await c.OkAsync("create", "--name", "late", "busybox", "true");
        ProcessResult streamed = await stream;
        Assert.Contains("late\n", streamed.StdOut);
    }

    [SkippableFact]
    public async Task Concurrent_writers_append_whole_event_lines()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(i => c.OkAsync("create", "--name", "w" + i, "--label", "pad=" + new string('x', 3000), "busybox", "true")));
        string log = File.ReadAllText(Path.Combine(c.Cli.RunRoot, "events", "events.log"));
        string[] lines = log.TrimEnd('\n').Split('\n');
        Assert.Equal(8, lines.Length);
        foreach (string line in lines)
        {
            using JsonDocument doc = JsonDocument.Parse(line);
            Assert.Equal(3000, doc.RootElement.GetProperty("Attributes").GetProperty("pad").GetString()!.Length);
        }
    }

    [SkippableFact]
    public async Task Top_level_inspect_resolves_containers_images_volumes_and_honours_type()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string id = (await c.OkAsync("create", "--name", "box", "busybox", "true")).Trim();
        string imageId = (await c.OkAsync("image", "inspect", "--format", "{{.Id}}", "busybox")).Trim();
        await c.OkAsync("volume", "create", "vol");
        Assert.Equal(id + "\n", await c.OkAsync("inspect", "--format", "{{.Id}}", "box"));
        Assert.Equal(imageId + "\n", await c.OkAsync("inspect", "--format", "{{.Id}}", "busybox"));
        Assert.Equal("vol\n", await c.OkAsync("inspect", "--format", "{{.Name}}", "vol"));
        Assert.Equal(id + "\n" + imageId + "\n", await c.OkAsync("inspect", "--format", "{{.Id}}", "box", "busybox"));
        Assert.Equal(id + "\n", await c.OkAsync("inspect", "-l", "--format", "{{.Id}}"));
        // A container named like an image: --type picks.
        await c.OkAsync("create", "--name", "busybox", "busybox", "true");
        Assert.Equal(imageId + "\n", await c.OkAsync("inspect", "--type", "image", "--format", "{{.Id}}", "busybox"));
        Assert.NotEqual(imageId + "\n", await c.OkAsync("inspect", "--type", "container", "--format", "{{.Id}}", "busybox"));
        ProcessResult missing = await c.RunAsync("inspect", "--type", "container", "vol");
        Assert.Equal(125, missing.ExitCode);
        Assert.Contains("no such object: \"vol\"", missing.StdErr);
        Assert.Equal("[]\n", missing.StdOut);
    }

    [SkippableFact]
    public async Task Container_inspect_has_podmans_shape_and_values()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string host = c.Cli.Scratch("bind");
        Directory.CreateDirectory(host);
        string id = (await c.OkAsync("run", "-d", "--name", "shape", "-v", host + ":/h:ro", "--annotation", "a=b", "--cap-add", "NET_ADMIN",
            "--device", "/dev/null:/dev/n2", "--network", "none", "busybox", "sleep", "1000")).Trim();
        using JsonDocument doc = JsonDocument.Parse(await c.OkAsync("inspect", "--size", "shape"));
        JsonElement ctr = doc.RootElement[0];
        string[] top = ["Id", "Created", "Path", "Args", "State", "Image", "ImageDigest", "ImageName", "Rootfs", "Pod", "ResolvConfPath", "HostnamePath",
            "HostsPath", "StaticDir", "OCIConfigPath", "OCIRuntime", "ConmonPidFile", "PidFile", "Name", "RestartCount", "Driver", "MountLabel",
            "ProcessLabel", "AppArmorProfile", "EffectiveCaps", "BoundingCaps", "ExecIDs", "GraphDriver", "Mounts", "Dependencies", "NetworkSettings",
            "Namespace", "IsInfra", "IsService", "Config", "HostConfig", "SizeRw", "SizeRootFs"];
        Assert.Empty(top.Except(ctr.EnumerateObject().Select(p => p.Name)));
        string[] state = ["OciVersion", "Status", "Running", "Paused", "Restarting", "OOMKilled", "Dead", "Pid", "ConmonPid", "ExitCode", "Error",
            "StartedAt", "FinishedAt", "Health", "CgroupPath", "CheckpointedAt", "RestoredAt"];
        Assert.Empty(state.Except(ctr.GetProperty("State").EnumerateObject().Select(p => p.Name)));
        string[] hostConfig = ["Binds", "CgroupManager", "CgroupMode", "LogConfig", "NetworkMode", "PortBindings", "RestartPolicy", "AutoRemove",
            "CapAdd", "CapDrop", "Privileged", "PublishAllPorts", "ReadonlyRootfs", "SecurityOpt", "Tmpfs", "ShmSize", "Memory", "NanoCpus",
            "BlkioWeight", "CpuPeriod", "CpuQuota", "CpusetCpus", "Devices", "MemorySwap", "PidsLimit", "Ulimits", "CgroupConf"];
        Assert.Empty(hostConfig.Except(ctr.GetProperty("HostConfig").EnumerateObject().Select(p => p.Name)));

        JsonElement s = ctr.GetProperty("State");
        Assert.Equal("running", s.GetProperty("Status").GetString());
        Assert.True(s.GetProperty("Running").GetBoolean());
        Assert.True(s.GetProperty("Pid").GetInt32() > 0);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$", s.GetProperty("StartedAt").GetString());
        Assert.Equal("0001-01-01T00:00:00Z", s.GetProperty("FinishedAt").GetString());
        Assert.Equal(id, ctr.GetProperty("Id").GetString());
        Assert.Equal("sleep", ctr.GetProperty("Path").GetString());
        Assert.Equal("1000", ctr.GetProperty("Args")[0].GetString());
        Assert.StartsWith("sha256:", ctr.GetProperty("ImageDigest").GetString());
        JsonElement mount = ctr.GetProperty("Mounts")[0];
        Assert.Equal("bind", mount.GetProperty("Type").GetString());
        Assert.Equal(host, mount.GetProperty("Source").GetString());
        Assert.False(mount.GetProperty("RW").GetBoolean());
        Assert.Contains("rbind", mount.GetProperty("Options").EnumerateArray().Select(o => o.GetString()));
        JsonElement config = ctr.GetProperty("Config");
        Assert.Equal("b", config.GetProperty("Annotations").GetProperty("a").GetString());
        Assert.Equal("libpod", config.GetProperty("Annotations").GetProperty("io.container.manager").GetString());
        Assert.Contains("run", config.GetProperty("CreateCommand").EnumerateArray().Select(a => a.GetString()));
        Assert.Contains(config.GetProperty("Env").EnumerateArray().Select(e => e.GetString()), e => e!.StartsWith("PATH=", StringComparison.Ordinal));
        JsonElement hc = ctr.GetProperty("HostConfig");
        Assert.Equal(["CAP_NET_ADMIN"], hc.GetProperty("CapAdd").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal(["CAP_AUDIT_WRITE", "CAP_MKNOD", "CAP_NET_RAW"], hc.GetProperty("CapDrop").EnumerateArray().Select(x => x.GetString()));
        Assert.Equal("/dev/n2", hc.GetProperty("Devices")[0].GetProperty("PathInContainer").GetString());
        Assert.Equal("none", hc.GetProperty("NetworkMode").GetString());
        Assert.True(ctr.GetProperty("SizeRootFs").GetInt64() > 1_000_000);
        Assert.True(Directory.Exists(ctr.GetProperty("GraphDriver").GetProperty("Data").GetProperty("UpperDir").GetString()));
    }

    [SkippableFact]
    public async Task Ps_size_filters_latest_last_and_no_trunc()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "--name", "writer", "--label", "role=w", "busybox", "sh", "-c", "head -c 200000 /dev/zero > /blob");
        string runningId = (await c.OkAsync("run", "-d", "--name", "runner", "--label", "role=r", "busybox", "sleep", "1000")).Trim();
        string createdId = (await c.OkAsync("create", "--name", "fresh", "busybox", "true")).Trim();

        string sized = await c.OkAsync("ps", "-a", "-s", "--filter", "name=writer", "--format", "{{.Size}}");
        Assert.Matches(@"^20\dkB \(virtual \d+(\.\d+)?MB\)\n$", sized);
        Assert.Contains("SIZE", await c.OkAsync("ps", "--size"));
        using (JsonDocument json = JsonDocument.Parse(await c.OkAsync("ps", "-a", "--size", "--filter", "name=writer", "--format", "json")))
        {
            Assert.True(json.RootElement[0].GetProperty("Size").GetProperty("rwSize").GetInt64() >= 200000);
        }

        Assert.Equal("runner\n", await c.OkAsync("ps", "-a", "--filter", "status=running", "--format", "{{.Names}}"));
        Assert.Equal("fresh\n", await c.OkAsync("ps", "-a", "--filter", "status=created", "--format", "{{.Names}}"));
        Assert.Equal("writer\n", await c.OkAsync("ps", "-a", "--filter", "status=exited", "--format", "{{.Names}}"));
        Assert.Equal("runner\n", await c.OkAsync("ps", "-a", "--filter", "name=^run", "--format", "{{.Names}}"));
        Assert.Equal("writer\n", await c.OkAsync("ps", "-a", "--filter", "label=role=w", "--format", "{{.Names}}"));
        Assert.Equal(3, (await c.OkAsync("ps", "-a", "--filter", "ancestor=busybox", "--format", "{{.Names}}")).Trim().Split('\n').Length);
        Assert.Equal("", await c.OkAsync("ps", "-a", "--filter", "ancestor=nosuchimage", "--format", "{{.Names}}"));
        // Two values of one filter are or-ed; different filters and-ed.
        Assert.Equal(2, (await c.OkAsync("ps", "-a", "--filter", "name=writer", "--filter", "name=fresh", "--format", "{{.Names}}")).Trim().Split('\n').Length);
        Assert.Equal("", await c.OkAsync("ps", "-a", "--filter", "name=writer", "--filter", "status=running", "--format", "{{.Names}}"));

        Assert.Equal("fresh\n", await c.OkAsync("ps", "-l", "--format", "{{.Names}}"));
        Assert.Equal(createdId[..12] + "\n", await c.OkAsync("ps", "-a", "-l", "-q"));
        Assert.Equal(createdId + "\n", await c.OkAsync("ps", "-a", "-l", "-q", "--no-trunc"));
        Assert.Contains(runningId, await c.OkAsync("ps", "--no-trunc"));
        Assert.DoesNotContain(runningId, await c.OkAsync("ps"));
        Assert.Equal(2, (await c.OkAsync("ps", "-n", "2", "--format", "{{.Names}}")).Trim().Split('\n').Length);
    }

    [SkippableFact]
    public async Task Container_prune_removes_only_stopped_containers()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string exited = (await c.OkAsync("run", "--name", "done", "busybox", "true")).Trim();
        await c.OkAsync("run", "-d", "--name", "alive", "busybox", "sleep", "1000");
        string pruned = await c.OkAsync("container", "prune", "-f");
        Assert.Contains(Assert.Single((await c.OkAsync("ps", "-a", "--format", "{{.Names}}")).Trim().Split('\n')), "alive");
        Assert.Matches("^[0-9a-f]{64}\n$", pruned);
        Assert.Equal(1, (await c.RunAsync("container", "exists", "done")).ExitCode);
        Assert.Equal(0, (await c.RunAsync("container", "exists", "alive")).ExitCode);
        _ = exited;
    }

    [SkippableFact]
    public async Task Logs_since_until_and_names()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "--name", "slow", "busybox", "sh", "-c", "echo early; sleep 2; echo late");
        string[] stamped = (await c.OkAsync("logs", "-t", "slow")).Trim().Split('\n');
        string lateStamp = stamped[1].Split(' ')[0];
        DateTimeOffset late = DateTimeOffset.Parse(lateStamp, System.Globalization.CultureInfo.InvariantCulture);
        string cut = late.AddMilliseconds(-500).ToString("yyyy-MM-dd'T'HH:mm:ss.fffK", System.Globalization.CultureInfo.InvariantCulture);
        Assert.Equal("late\n", await c.OkAsync("logs", "--since", cut, "slow"));
        Assert.Equal("early\n", await c.OkAsync("logs", "--until", cut, "slow"));
        Assert.Equal("early\nlate\n", await c.OkAsync("logs", "--since", "10m", "slow"));
        Assert.Equal("", await c.OkAsync("logs", "--since", "2099-01-01T00:00:00Z", "slow"));
        Assert.Equal("late\n", await c.OkAsync("logs", "--tail", "1", "slow"));
    }

    [SkippableFact]
    public async Task Commit_squash_makes_one_layer_and_docker_format_uses_docker_types()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "--name", "src", "busybox", "sh", "-c", "echo made > /made.txt; rm /bin/vi");
        await c.OkAsync("commit", "--squash", "src", "squashed");
        Assert.Equal("1\n", await c.OkAsync("image", "inspect", "--format", "{{len .RootFS.Layers}}", "squashed"));
        Assert.Equal("made\ngone\n", await c.OkAsync("run", "--rm", "squashed", "sh", "-c", "cat /made.txt; test -e /bin/vi || echo gone"));

        await c.OkAsync("commit", "--format", "docker", "-m", "docker message", "-a", "Someone", "--change", "ENV STAGE=docker", "src", "dockerish");
        Assert.Equal("2\n", await c.OkAsync("image", "inspect", "--format", "{{len .RootFS.Layers}}", "dockerish"));
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json\n", await c.OkAsync("image", "inspect", "--format", "{{.ManifestType}}", "dockerish"));
        Assert.Equal("docker made\n", await c.OkAsync("run", "--rm", "dockerish", "sh", "-c", "echo $STAGE $(cat /made.txt)"));
        string archive = c.Cli.Scratch("dockerish.tar");
        await c.OkAsync("save", "--format", "docker-archive", "-o", archive, "dockerish");
        using var tar = new System.Formats.Tar.TarReader(File.OpenRead(archive));
        string? configName = null;
        var files = new Dictionary<string, byte[]>();
        while (tar.GetNextEntry() is { } entry)
        {
            if (entry.DataStream is { } data && entry.Name.EndsWith(".json", StringComparison.Ordinal))
            {
                using var ms = new MemoryStream();
                data.CopyTo(ms);
                files[entry.Name] = ms.ToArray();
            }
        }
        using (JsonDocument manifest = JsonDocument.Parse(files["manifest.json"]))
        {
            configName = manifest.RootElement[0].GetProperty("Config").GetString();
        }
        using JsonDocument config = JsonDocument.Parse(files[configName!]);
        Assert.Equal("docker message", config.RootElement.GetProperty("comment").GetString());
        Assert.Equal("Someone", config.RootElement.GetProperty("author").GetString());

        // --pause freezes a running container for the commit and thaws it after.
        await c.OkAsync("run", "-d", "--name", "live", "busybox", "sleep", "1000");
        await c.OkAsync("commit", "--pause", "live", "fromlive");
        Assert.Equal("running\n", await c.OkAsync("inspect", "--format", "{{.State.Status}}", "live"));
        // podman's order: the commit is recorded before the deferred unpause.
        Assert.Equal("pause\ncommit\nunpause\n", await c.OkAsync("events", "--stream=false", "--filter", "container=live",
            "--filter", "event=pause", "--filter", "event=unpause", "--filter", "event=commit", "--format", "{{.Status}}"));
    }
}
