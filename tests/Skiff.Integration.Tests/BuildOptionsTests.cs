using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// Containerfile instructions and <c>build</c> options beyond the basics: RUN --mount and --network, ADD of a URL,
/// ONBUILD, the escape directive, stdin, argument files, --target, --squash, --format, --label, --iidfile, -q, --pull.
/// </summary>
public class BuildOptionsTests
{
    private static async Task<SkiffCli> WithBusyboxAsync()
    {
        var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        return skiff;
    }

    private static Task<ProcessResult> Bud(SkiffCli skiff, string[] args, byte[]? stdin = null) =>
        skiff.RunAsync(["buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "bud", .. args], stdin);

    private static async Task<string> BudOk(SkiffCli skiff, params string[] args)
    {
        ProcessResult r = await Bud(skiff, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut;
    }

    private static Task<string> Buildah(SkiffCli skiff, params string[] args) =>
        skiff.OkAsync(["buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, .. args]);

    /// <summary>Runs a shell command in a fresh working container of the image and removes it.</summary>
    private static async Task<string> InImage(SkiffCli skiff, string image, string script)
    {
        string c = (await Buildah(skiff, "from", image)).Trim();
        try
        {
            return await Buildah(skiff, "run", c, "--", "sh", "-c", script);
        }
        finally
        {
            await Buildah(skiff, "rm", c);
        }
    }

    private static string Context(SkiffCli skiff, string containerfile, params (string Path, string Content)[] files)
    {
        string dir = skiff.Scratch("ctx-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "Containerfile"), containerfile);
        foreach ((string p, string c) in files)
        {
            string full = Path.Combine(dir, p);
            Directory.CreateDirectory(Path.GetDirectoryName(full)!);
            File.WriteAllText(full, c);
        }
        return dir;
    }

    private static JsonElement Config(string inspectJson) => JsonDocument.Parse(inspectJson).RootElement[0].GetProperty("Config");

    [SkippableFact]
    public async Task Run_mounts_bind_cache_tmpfs_and_secret_are_seen_by_the_command_and_leave_nothing_in_the_image()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, """
            FROM busybox
            RUN --mount=type=bind,source=data/in.txt,target=/mnt/in.txt cat /mnt/in.txt > /bound
            RUN --mount=type=bind,target=/ctx,rw touch /ctx/written-by-run && ls /ctx > /ctx-listing
            RUN --mount=type=cache,target=/var/cache/thing,id=thing echo run >> /var/cache/thing/log && cat /var/cache/thing/log > /cache-seen
            RUN --mount=type=tmpfs,target=/scratch,size=1m touch /scratch/x && grep -q ' /scratch tmpfs' /proc/mounts && echo tmpfs > /tmpfs-seen
            RUN --mount=type=secret,id=token,required cat /run/secrets/token > /secret-seen-size && stat -c %a /run/secrets/token >> /secret-seen-size
            """, ("data/in.txt", "from the context"));
        string secret = skiff.Scratch("token");
        File.WriteAllText(secret, "s3cr3t");
        await BudOk(skiff, "--secret", "id=token,src=" + secret, "-t", "mounted", ctx);

        Assert.Equal("from the context", await InImage(skiff, "mounted", "cat /bound"));
        Assert.Contains("Containerfile", await InImage(skiff, "mounted", "cat /ctx-listing"));
        Assert.False(File.Exists(Path.Combine(ctx, "written-by-run")), "a rw bind mount of the context must not write into it");
        Assert.Equal("run\n", await InImage(skiff, "mounted", "cat /cache-seen"));
        Assert.Equal("tmpfs\n", await InImage(skiff, "mounted", "cat /tmpfs-seen"));
        Assert.Equal("s3cr3t400\n", await InImage(skiff, "mounted", "cat /secret-seen-size"));
        // Mount targets the runtime had to create are gone, the cache directory's content never was in the image.
        Assert.Equal("gone\n", await InImage(skiff, "mounted",
            "test -e /mnt/in.txt || test -e /ctx || test -e /scratch || test -e /run/secrets/token || test -e /var/cache/thing/log || echo gone"));

        // The cache mount survives into the next build (no layer cache, so the step runs again).
        await BudOk(skiff, "--no-cache", "--secret", "id=token,src=" + secret, "-t", "mounted2", ctx);
        Assert.Equal("run\nrun\n", await InImage(skiff, "mounted2", "cat /cache-seen"));

        // A required secret that is not given stops the build, naming it.
        ProcessResult missing = await Bud(skiff, ["--no-cache", ctx]);
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("secret \"token\" is required", missing.StdErr);
    }

    [SkippableFact]
    public async Task Run_mount_from_another_stage_and_a_source_outside_the_context_is_refused()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, """
            FROM busybox AS tools
            RUN echo tool > /tool.txt
            FROM busybox
            RUN --mount=type=bind,from=tools,source=/tool.txt,target=/t.txt cat /t.txt > /from-stage
            """);
        await BudOk(skiff, "-t", "fromstage", ctx);
        Assert.Equal("tool\n", await InImage(skiff, "fromstage", "cat /from-stage; if test -e /t.txt; then echo leaked; fi"));

        string outside = skiff.Scratch("outside-secret");
        File.WriteAllText(outside, "host");
        string bad = Context(skiff, "FROM busybox\nRUN --mount=type=bind,source=link,target=/x cat /x\n");
        File.CreateSymbolicLink(Path.Combine(bad, "link"), outside);
        ProcessResult r = await Bud(skiff, [bad]);
        Assert.NotEqual(0, r.ExitCode);
        Assert.Contains("outside the build context", r.StdErr);
        Assert.DoesNotContain("host", r.StdOut);
    }

    [SkippableFact]
    public async Task Run_network_none_has_only_loopback()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, """
            FROM busybox
            RUN --network=none ls /sys/class/net > /none
            RUN --network=host ls /sys/class/net > /host
            """);
        await BudOk(skiff, "-t", "net", ctx);
        Assert.Equal("lo\n", await InImage(skiff, "net", "cat /none"));
        Assert.NotEqual("lo\n", await InImage(skiff, "net", "cat /host"));
        ProcessResult bad = await Bud(skiff, [Context(skiff, "FROM busybox\nRUN --network=bogus true\n")]);
        Assert.Contains("Containerfile:2: RUN --network=bogus", bad.StdErr);
    }

    [SkippableFact]
    public async Task Add_of_a_url_downloads_the_file_mode_0600_and_the_cache_follows_the_content()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string body = "first version";
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        int port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var stop = new CancellationTokenSource();
        Task server = ServeAsync(listener, () => body, stop.Token);
        try
        {
            string ctx = Context(skiff, $"""
                FROM busybox
                ADD http://127.0.0.1:{port}/files/remote.txt /downloads/
                ADD --chmod=644 http://127.0.0.1:{port}/files/remote.txt /renamed.txt
                COPY Containerfile /cf
                """);
            await BudOk(skiff, "-t", "fetched", ctx);
            Assert.Equal("first version|600|first version|644", await InImage(skiff, "fetched",
                "printf '%s|%s|%s|%s' \"$(cat /downloads/remote.txt)\" $(stat -c %a /downloads/remote.txt) \"$(cat /renamed.txt)\" $(stat -c %a /renamed.txt)"));

            string again = await BudOk(skiff, "-t", "fetched", ctx);
            Assert.Equal(3, again.Split('\n').Count(l => l.StartsWith("--> Using cache", StringComparison.Ordinal)));

            body = "second version";
            string changed = await BudOk(skiff, "-t", "fetched", ctx);
            Assert.DoesNotContain("Using cache", changed);
            Assert.Equal("second version", await InImage(skiff, "fetched", "cat /renamed.txt"));

            string missing = Context(skiff, $"FROM busybox\nADD http://127.0.0.1:{port}/404 /x\n");
            ProcessResult r = await Bud(skiff, [missing]);
            Assert.NotEqual(0, r.ExitCode);
            Assert.Contains("Containerfile:2: reading \"http://127.0.0.1:", r.StdErr);
            Assert.Contains("invalid response status 404", r.StdErr);
        }
        finally
        {
            stop.Cancel();
            listener.Stop();
            await Task.WhenAny(server, Task.Delay(5000));
        }
    }

    /// <summary>A tiny HTTP/1.0 server: /files/* answers the current body, anything else 404.</summary>
    private static async Task ServeAsync(TcpListener listener, Func<string> body, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cancellationToken);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            using (client)
            {
                NetworkStream stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                string request = await reader.ReadLineAsync(cancellationToken) ?? "";
                while (!string.IsNullOrEmpty(await reader.ReadLineAsync(cancellationToken)))
                {
                }
                string path = request.Split(' ').ElementAtOrDefault(1) ?? "";
                byte[] content = Encoding.UTF8.GetBytes(path.StartsWith("/files/", StringComparison.Ordinal) ? body() : "no");
                string status = path.StartsWith("/files/", StringComparison.Ordinal) ? "200 OK" : "404 Not Found";
                byte[] head = Encoding.ASCII.GetBytes($"HTTP/1.0 {status}\r\nContent-Length: {content.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head, cancellationToken);
                await stream.WriteAsync(content, cancellationToken);
            }
        }
    }

    [SkippableFact]
    public async Task Onbuild_is_kept_in_docker_format_and_runs_when_the_image_is_a_base()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string parent = Context(skiff, """
            FROM busybox
            ONBUILD COPY trigger.txt /triggered.txt
            ONBUILD RUN echo ran > /onbuild-ran
            """);
        await BudOk(skiff, "--format", "docker", "-t", "parent", parent);
        Assert.Equal(["COPY trigger.txt /triggered.txt", "RUN echo ran > /onbuild-ran"],
            Config(await skiff.OkAsync("image", "inspect", "parent")).GetProperty("OnBuild").EnumerateArray().Select(e => e.GetString()));

        string child = Context(skiff, "FROM parent\nRUN cat /triggered.txt /onbuild-ran > /seen\n", ("trigger.txt", "child context\n"));
        string output = await BudOk(skiff, "--format", "docker", "-t", "child", child);
        Assert.Contains("STEP 2/2: RUN cat", output);
        Assert.Equal("child context\nran\n", await InImage(skiff, "child", "cat /seen"));
        JsonElement childConfig = Config(await skiff.OkAsync("image", "inspect", "child"));
        Assert.True(!childConfig.TryGetProperty("OnBuild", out JsonElement ob) || ob.ValueKind == JsonValueKind.Null || ob.GetArrayLength() == 0,
            "triggers are not inherited by the image built from the parent");
    }

    [SkippableFact]
    public async Task Shell_holds_for_the_whole_stage_in_oci_format_even_when_its_step_comes_from_the_cache()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, """
            FROM busybox
            SHELL ["/bin/ash", "-c"]
            COPY v.txt /v.txt
            RUN echo "$0" > /shell
            """, ("v.txt", "1"));
        await BudOk(skiff, "-t", "shell", ctx);
        Assert.Equal("/bin/ash\n", await InImage(skiff, "shell", "cat /shell"));
        File.WriteAllText(Path.Combine(ctx, "v.txt"), "2");
        string second = await BudOk(skiff, "-t", "shell", ctx);
        Assert.Contains("--> Using cache", second);
        Assert.Equal("/bin/ash\n", await InImage(skiff, "shell", "cat /shell"));
    }

    [SkippableFact]
    public async Task Options_stdin_escape_arg_file_target_label_squash_format_iidfile_quiet_and_pull()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, "", ("a.txt", "A"));
        const string containerfile = """
            # escape=`
            FROM busybox AS first
            ARG FROMFILE
            ARG GIVEN=default
            RUN echo "$FROMFILE $GIVEN" > /args && `
                echo continued >> /args
            COPY --link a.txt /a.txt
            LABEL stage=first

            FROM first AS second
            RUN echo second > /second
            """;
        string argFile = skiff.Scratch("args.conf");
        File.WriteAllText(argFile, "# comment\nFROMFILE=from-file\n\nGIVEN=overridden-in-file\n");
        string iid = skiff.Scratch("iid");
        ProcessResult r = await Bud(skiff, ["-f", "-", "-q", "--build-arg-file", argFile, "--target", "first", "--label", "extra=yes",
            "--squash", "--format", "docker", "--iidfile", iid, "-t", "opts", ctx], Encoding.UTF8.GetBytes(containerfile));
        Assert.True(r.ExitCode == 0, r.ToString());
        string id = File.ReadAllText(iid);
        Assert.Matches("^sha256:[0-9a-f]{64}$", id);
        // -q: no STEP lines, only the id.
        Assert.DoesNotContain("STEP", r.StdOut);
        Assert.Equal(id["sha256:".Length..] + "\n", r.StdOut);

        Assert.Equal("from-file overridden-in-file\ncontinued\nA", await InImage(skiff, "opts", "cat /args /a.txt; if test -e /second; then echo target-ignored; fi"));
        using JsonDocument inspect = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "opts"));
        JsonElement image = inspect.RootElement[0];
        Assert.Equal("application/vnd.docker.distribution.manifest.v2+json", image.GetProperty("ManifestType").GetString());
        Assert.Equal("yes", image.GetProperty("Config").GetProperty("Labels").GetProperty("extra").GetString());
        Assert.Equal("first", image.GetProperty("Config").GetProperty("Labels").GetProperty("stage").GetString());
        // --squash: everything in one layer (busybox's included).
        Assert.Single(image.GetProperty("RootFS").GetProperty("Layers").EnumerateArray());

        // --pull=never with an image that is not in the store fails without trying a registry.
        ProcessResult never = await Bud(skiff, ["--pull=never", Context(skiff, "FROM localhost/absent:1\n")]);
        Assert.NotEqual(0, never.ExitCode);
        Assert.Contains("localhost/absent:1", never.StdErr);
        Assert.Contains("image not known", never.StdErr);
    }
}
