using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>Containerfile builds through <c>skiff buildah bud</c> against the busybox fixture.</summary>
public class BuildahBuildTests
{
    private static async Task<SkiffCli> WithBusyboxAsync()
    {
        var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        return skiff;
    }

    private static Task<ProcessResult> Bud(SkiffCli skiff, params string[] args) =>
        skiff.RunAsync(["buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "bud", .. args]);

    private static async Task<string> BudOk(SkiffCli skiff, params string[] args)
    {
        ProcessResult r = await Bud(skiff, args);
        Assert.True(r.ExitCode == 0, r.ToString());
        return r.StdOut;
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

    private const string MultiStage = """
        ARG BASE=busybox
        FROM $BASE AS builder
        ARG GREETING=hello
        ENV APP=/app \
            MODE=prod
        WORKDIR $APP/work
        RUN echo "$GREETING from $MODE" > out.txt
        RUN <<EOT
        echo heredoc > /heredoc.txt
        EOT
        COPY sub/ /copied/

        FROM busybox
        COPY --from=builder /app/work/out.txt /final/out.txt
        COPY --from=builder /copied/a.txt /final/a.txt
        COPY --from=builder /heredoc.txt /final/
        LABEL org.test=yes
        EXPOSE 8080
        USER nobody
        CMD ["sh", "-c", "cat /final/out.txt"]
        """;

    [SkippableFact]
    public async Task Multi_stage_build_copies_between_stages_expands_args_and_env_and_sets_config()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, MultiStage, ("sub/a.txt", "data"));
        string output = await BudOk(skiff, "--build-arg", "GREETING=howdy", "-t", "built", ctx);
        Assert.Contains("STEP 1/15: FROM $BASE AS builder", output);
        Assert.Contains("COMMIT localhost/built:latest", output);
        Assert.Contains("Successfully tagged localhost/built:latest", output);

        using JsonDocument doc = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "built"));
        JsonElement config = doc.RootElement[0].GetProperty("Config");
        Assert.Equal("nobody", config.GetProperty("User").GetString());
        Assert.True(config.GetProperty("ExposedPorts").TryGetProperty("8080/tcp", out _));
        Assert.Equal("yes", config.GetProperty("Labels").GetProperty("org.test").GetString());
        Assert.Equal(["sh", "-c", "cat /final/out.txt"], config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));

        string files = await skiff.OkAsync("buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "from", "built");
        string c = files.Trim();
        string cat = await skiff.OkAsync("buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "run", c, "--", "cat", "/final/out.txt", "/final/a.txt", "/final/heredoc.txt");
        Assert.Equal("howdy from prod\ndataheredoc\n", cat);
    }

    [SkippableFact]
    public async Task Second_build_uses_the_cache_for_every_step_and_a_touched_copy_source_rebuilds_from_that_step()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, """
            FROM busybox
            ENV A=1
            RUN echo built > /built
            COPY data.txt /data.txt
            RUN cat /data.txt > /data.copy
            LABEL done=yes
            """, ("data.txt", "v1"));
        string first = await BudOk(skiff, "-t", "cached", ctx);
        Assert.DoesNotContain("Using cache", first);
        string id1 = first.Trim().Split('\n')[^1];

        string second = await BudOk(skiff, "-t", "cached", ctx);
        Assert.Equal(5, second.Split('\n').Count(l => l.StartsWith("--> Using cache", StringComparison.Ordinal)));
        Assert.Equal(id1, second.Trim().Split('\n')[^1]);

        File.WriteAllText(Path.Combine(ctx, "data.txt"), "v2");
        string third = await BudOk(skiff, "-t", "cached", ctx);
        string[] lines = third.Split('\n');
        int copyStep = Array.FindIndex(lines, l => l.StartsWith("STEP 4/6: COPY", StringComparison.Ordinal));
        Assert.Equal(2, lines.Take(copyStep).Count(l => l.StartsWith("--> Using cache", StringComparison.Ordinal)));
        Assert.DoesNotContain(lines.Skip(copyStep), l => l.StartsWith("--> Using cache", StringComparison.Ordinal));
        Assert.NotEqual(id1, third.Trim().Split('\n')[^1]);

        string noCache = await BudOk(skiff, "--no-cache", "-t", "cached", ctx);
        Assert.DoesNotContain("Using cache", noCache);
    }

    [SkippableFact]
    public async Task Errors_point_at_the_containerfile_line_and_a_failing_run_stops_the_build()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string bad = Context(skiff, "FROM busybox\n\nRUN true\n# comment\n\n\nCOPPY a b\n");
        ProcessResult r = await Bud(skiff, bad);
        Assert.Equal(125, r.ExitCode);
        Assert.Equal("Error: Containerfile:7: unknown instruction COPPY\n", r.StdErr);

        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        string failing = Context(skiff, "FROM busybox\nRUN exit 3\nRUN echo never\n");
        ProcessResult f = await Bud(skiff, "-t", "never", failing);
        Assert.NotEqual(0, f.ExitCode);
        Assert.Contains("RUN exit 3", f.StdErr);
        Assert.Contains("exit status 3", f.StdErr);
        Assert.DoesNotContain("never", await skiff.OkAsync("images", "--format", "{{.Repository}}"));
        Assert.Equal("", (await skiff.OkAsync("buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "containers", "-q")).Trim());
    }

    [SkippableFact]
    public async Task Hostile_contexts_are_refused_and_nothing_is_written_outside()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using SkiffCli skiff = await WithBusyboxAsync();
        string outside = skiff.Scratch("outside");
        Directory.CreateDirectory(outside);
        File.WriteAllText(Path.Combine(outside, "secret"), "s");

        string up = Context(skiff, "FROM busybox\nCOPY ../outside/secret /x\n");
        ProcessResult r1 = await Bud(skiff, up);
        Assert.NotEqual(0, r1.ExitCode);
        Assert.Contains("outside the build context", r1.StdErr);

        string link = Context(skiff, "FROM busybox\nCOPY escape /x\n");
        File.CreateSymbolicLink(Path.Combine(link, "escape"), Path.Combine(outside, "secret"));
        ProcessResult r2 = await Bud(skiff, link);
        Assert.NotEqual(0, r2.ExitCode);
        Assert.Contains("outside the build context", r2.StdErr);

        string tarCtx = Context(skiff, "FROM busybox\nADD evil.tar /opt/\n");
        File.WriteAllBytes(Path.Combine(tarCtx, "evil.tar"), new TarBuilder().File("../../../../../../../../tmp/skiff-pwned-" + Path.GetFileName(tarCtx), "x").Build());
        ProcessResult r3 = await Bud(skiff, tarCtx);
        Assert.NotEqual(0, r3.ExitCode);
        Assert.Contains("evil.tar", r3.StdErr);
        Assert.False(File.Exists("/tmp/skiff-pwned-" + Path.GetFileName(tarCtx)));
        Assert.Equal(["secret"], Directory.GetFiles(outside).Select(Path.GetFileName));
    }

    [SkippableFact]
    public async Task Built_config_matches_podman_build_for_the_same_containerfile()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null || ProcessRunner.Which("podman") is null, "runc or podman not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        const string containerfile = """
            FROM busybox
            ARG V=1
            ENV A=$V B="two words"
            WORKDIR /srv/app
            RUN echo $A > value
            COPY f.txt ./
            USER 1000:1000
            EXPOSE 80 53/udp
            VOLUME /data
            STOPSIGNAL SIGTERM
            ENTRYPOINT ["/bin/sh"]
            CMD ["-c", "cat value"]
            """;
        string ctx = Context(skiff, containerfile, ("f.txt", "file"));
        await BudOk(skiff, "-t", "ours", ctx);

        string podRoot = skiff.Scratch("podman-root");
        string podRun = skiff.Scratch("podman-run");
        string[] pod = ["--root", podRoot, "--runroot", podRun, "--storage-driver", "vfs"];
        string archive = skiff.Scratch("busybox.tar");
        await skiff.OkAsync("save", "-o", archive, "busybox");
        try
        {
            ProcessResult load = await ProcessRunner.RunAsync("podman", [.. pod, "load", "-i", archive]);
            Skip.If(load.ExitCode != 0, "podman cannot load: " + load.StdErr);
            ProcessResult build = await ProcessRunner.RunAsync("podman", [.. pod, "build", "--network", "host", "-t", "theirs", ctx]);
            Skip.If(build.ExitCode != 0, "podman build failed here: " + build.StdErr);
            using JsonDocument theirs = JsonDocument.Parse((await ProcessRunner.RunAsync("podman", [.. pod, "image", "inspect", "theirs"])).StdOut);
            using JsonDocument ours = JsonDocument.Parse(await skiff.OkAsync("image", "inspect", "ours"));
            JsonElement t = theirs.RootElement[0].GetProperty("Config");
            JsonElement o = ours.RootElement[0].GetProperty("Config");
            foreach (string field in new[] { "User", "Env", "Entrypoint", "Cmd", "WorkingDir", "ExposedPorts", "Volumes", "StopSignal" })
            {
                Assert.True(t.TryGetProperty(field, out JsonElement tv), field);
                Assert.True(o.TryGetProperty(field, out JsonElement ov), field);
                Assert.Equal(tv.ToString(), ov.ToString());
            }
        }
        finally
        {
            // Not `system reset`: it removes podman's shared tmpdir (/run/libpod) under other podman processes.
            await ProcessRunner.RunAsync("podman", [.. pod, "rmi", "-a", "-f"]);
        }
    }

    [SkippableFact]
    public async Task Containerignore_with_negation_named_user_and_workdir_creation()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("runc") is null, "runc not installed");
        using SkiffCli skiff = await WithBusyboxAsync();
        string ctx = Context(skiff, """
            FROM busybox
            WORKDIR /srv/new/dir
            COPY . /ctx/
            RUN pwd > /where
            USER nobody
            """,
            (".containerignore", "*.log\nsecrets\n!secrets/public.txt\n"),
            ("keep.txt", "k"), ("debug.log", "d"), ("secrets/private.key", "p"), ("secrets/public.txt", "pub"));
        await BudOk(skiff, "-t", "ignored", ctx);
        string c = (await skiff.OkAsync("buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "from", "ignored")).Trim();
        string listing = await skiff.OkAsync("buildah", "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "run", c, "--",
            "sh", "-c", "cd /ctx && find . -type f | sort; id -un; cat /where");
        Assert.Equal("./.containerignore\n./Containerfile\n./keep.txt\n./secrets/public.txt\nnobody\n/srv/new/dir\n", listing);
    }
}
