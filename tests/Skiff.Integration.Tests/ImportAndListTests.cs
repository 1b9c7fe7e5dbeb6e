using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class ImportAndListTests
{
    [SkippableFact]
    public async Task Import_names_a_short_name_under_localhost_and_prints_the_id()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        string id = (await skiff.OkAsync("import", Fixtures.BusyboxTar, "busybox")).Trim();
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        string names = await skiff.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}");
        Assert.Equal($"localhost/busybox:latest {id[7..19]}", names.Trim());
    }

    [SkippableFact]
    public async Task Import_applies_every_change_instruction_and_the_message()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import",
            "--change", "CMD [\"/bin/sh\",\"-c\",\"echo hi\"]",
            "--change", "ENTRYPOINT /bin/env",
            "--change", "ENV A=1 B=two",
            "--change", "EXPOSE 80 53/udp",
            "--change", "WORKDIR /srv",
            "--change", "USER nobody",
            "--change", "LABEL org.example=yes",
            "--change", "VOLUME /data",
            "--change", "STOPSIGNAL SIGRTMIN+3",
            "--message", "made in a test",
            Fixtures.BusyboxTar, "changed");
        using JsonDocument doc = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "changed"));
        JsonElement img = doc.RootElement[0];
        JsonElement c = img.GetProperty("Config");
        Assert.Equal(["/bin/sh", "-c", "echo hi"], c.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["/bin/sh", "-c", "/bin/env"], c.GetProperty("Entrypoint").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("A=1", c.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.Contains("B=two", c.GetProperty("Env").EnumerateArray().Select(e => e.GetString()));
        Assert.True(c.GetProperty("ExposedPorts").TryGetProperty("80/tcp", out _));
        Assert.True(c.GetProperty("ExposedPorts").TryGetProperty("53/udp", out _));
        Assert.Equal("/srv", c.GetProperty("WorkingDir").GetString());
        Assert.Equal("nobody", c.GetProperty("User").GetString());
        Assert.Equal("yes", c.GetProperty("Labels").GetProperty("org.example").GetString());
        Assert.True(c.GetProperty("Volumes").TryGetProperty("/data", out _));
        Assert.Equal("SIGRTMIN+3", c.GetProperty("StopSignal").GetString());
        Assert.Equal("made in a test", img.GetProperty("Comment").GetString());
        Assert.Equal("localhost/changed:latest", img.GetProperty("RepoTags")[0].GetString());
    }

    [SkippableFact]
    public async Task Import_reads_a_gzip_tarball_from_stdin()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        var gz = new MemoryStream();
        await using (var z = new System.IO.Compression.GZipStream(gz, System.IO.Compression.CompressionLevel.Fastest, leaveOpen: true))
        {
            await using FileStream f = File.OpenRead(Fixtures.BusyboxTar);
            await f.CopyToAsync(z);
        }
        ProcessResult r = await skiff.RunAsync(["import", "-", "fromstdin"], gz.ToArray());
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal("0", (await skiff.RunAsync("image", "exists", "fromstdin")).ExitCode.ToString());
    }

    [SkippableFact]
    public async Task Images_supports_quiet_no_trunc_digests_json_and_filters()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        string id = (await skiff.OkAsync("import", Fixtures.BusyboxTar, "one")).Trim()[7..];
        await skiff.OkAsync("tag", "one", "two", "quay.io/x/three:3");
        Assert.Equal(id[..12], (await skiff.OkAsync("images", "-q")).Trim());
        Assert.Contains("sha256:" + id, await skiff.OkAsync("images", "--no-trunc"));
        Assert.Contains("DIGEST", await skiff.OkAsync("images", "--digests"));
        string table = await skiff.OkAsync("images");
        Assert.StartsWith("REPOSITORY", table);
        Assert.Contains("IMAGE ID", table);
        Assert.Equal(4, table.Trim().Split('\n').Length);

        using JsonDocument doc = JsonDocument.Parse(await skiff.OkAsync("images", "--format", "json"));
        JsonElement first = doc.RootElement[0];
        Assert.Equal(id, first.GetProperty("Id").GetString());
        Assert.Equal(3, first.GetProperty("Names").GetArrayLength());

        // As in podman, a matching image is listed under all of its names.
        string filtered = await skiff.OkAsync("images", "--filter", "reference=quay.io/*/*", "--format", "{{.Repository}}:{{.Tag}}");
        Assert.Contains("quay.io/x/three:3", filtered);
        Assert.Equal(3, filtered.Trim().Split('\n').Length);
        Assert.Equal("", (await skiff.OkAsync("images", "--filter", "reference=nomatch*", "-q")).Trim());
        Assert.Equal("", (await skiff.OkAsync("images", "-q", "--filter", "dangling=true")).Trim());
    }

    [SkippableFact]
    public async Task Images_lists_an_untagged_image_as_none()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar);
        Assert.Equal("<none>:<none>", (await skiff.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}}")).Trim());
        Assert.NotEqual("", (await skiff.OkAsync("images", "-q", "--filter", "dangling=true")).Trim());
    }
}
