using System.Text.Json;
using System.Text.RegularExpressions;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// examples/software-factory/demo.sh run once with links named podman and buildah pointing at skiff, on a
/// private store. demo.sh prints "ok: STEP" or "FAILED: STEP: why" for each step; each test below asserts one
/// step. A step that did not pass is skipped only when a probe run now shows that skiff lacks the feature it
/// needs; otherwise it fails with the demo's output.
/// </summary>
public sealed partial class SoftwareFactoryDemo : IAsyncLifetime
{
    private readonly TempDir _dir = new("skiff-sf-demo");

    public SkiffCli Skiff { get; } = new();
    public string? NotRunnable { get; private set; }
    public ProcessResult? Result { get; private set; }
    public HashSet<string> Passed { get; } = [];
    public string? FailedStep { get; private set; }
    public string FailedReason { get; private set; } = "";

    public static string ExampleDir
    {
        get
        {
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = Path.Combine(d.FullName, "examples", "software-factory");
                if (File.Exists(Path.Combine(candidate, "demo.sh")))
                {
                    return candidate;
                }
            }
            throw new InvalidOperationException("examples/software-factory not found above " + AppContext.BaseDirectory);
        }
    }

    public Dictionary<string, string> Environment { get; } = [];

    public async Task InitializeAsync()
    {
        string factoryTar = Path.Combine(Fixtures.Directory, "factory-base.tar");
        NotRunnable = SkiffCli.Binary is null ? "skiff binary not built (scripts/build.sh)"
            : ProcessRunner.Which("runc") is null ? "runc not installed (scripts/install-deps.sh)"
            : ProcessRunner.Which("curl") is null ? "curl not installed"
            : !File.Exists(factoryTar) ? $"{factoryTar} not made (scripts/fixtures.sh --factory)"
            : null;
        if (NotRunnable is not null)
        {
            return;
        }
        string bin = _dir.Combine("bin");
        Directory.CreateDirectory(bin);
        File.CreateSymbolicLink(Path.Combine(bin, "podman"), SkiffCli.Binary!);
        File.CreateSymbolicLink(Path.Combine(bin, "buildah"), SkiffCli.Binary!);
        string conf = _dir.Combine("storage.conf");
        await File.WriteAllTextAsync(conf, $"[storage]\ndriver = \"{Skiff.Driver}\"\ngraphroot = \"{Skiff.Root}\"\nrunroot = \"{Skiff.RunRoot}\"\n");
        string tmp = _dir.Combine("tmp");
        Directory.CreateDirectory(tmp);
        Environment["PATH"] = bin + ":" + (System.Environment.GetEnvironmentVariable("PATH") ?? "/usr/bin:/bin");
        Environment["CONTAINERS_STORAGE_CONF"] = conf;
        Environment["TMPDIR"] = tmp;
        Environment["SF_BOOT_TIMEOUT"] = "180";

        Result = await ProcessRunner.RunAsync("/bin/bash", [Path.Combine(ExampleDir, "demo.sh")], env: Environment,
            timeout: TimeSpan.FromMinutes(25));
        foreach (string line in Result.StdOut.Split('\n'))
        {
            if (line.StartsWith("ok: ", StringComparison.Ordinal))
            {
                Passed.Add(line[4..].Trim());
            }
            else if (FailedLine().Match(line) is { Success: true } m)
            {
                FailedStep = m.Groups[1].Value;
                FailedReason = m.Groups[2].Value;
            }
        }
    }

    public Task<ProcessResult> PodmanAsync(params string[] args) =>
        ProcessRunner.RunAsync(Path.Combine(_dir.Combine("bin"), "podman"), args, env: Environment, timeout: TimeSpan.FromMinutes(2));

    public async Task DisposeAsync()
    {
        if (Result is not null)
        {
            await PodmanAsync("rm", "-f", "my-sf");
        }
        Skiff.Dispose();
        _dir.Dispose();
    }

    [GeneratedRegex(@"^FAILED: ([a-z-]+)(?::\s*(.*))?$")]
    private static partial Regex FailedLine();
}

public class SoftwareFactoryTests(SoftwareFactoryDemo demo) : IClassFixture<SoftwareFactoryDemo>
{
    /// <summary>
    /// Skips when the demo cannot run here, or when <paramref name="step"/> did not pass and the probe shows
    /// skiff lacks <paramref name="feature"/>; fails when the step did not pass although the feature is there.
    /// </summary>
    private async Task RequireStepAsync(string step, string feature, Func<Task<bool>> featurePresent)
    {
        Skip.If(demo.NotRunnable is not null, demo.NotRunnable);
        if (demo.Passed.Contains(step))
        {
            return;
        }
        if (!await featurePresent())
        {
            throw new SkipException($"skiff lacks {feature}: demo.sh step '{step}' cannot pass yet");
        }
        if (demo.FailedStep is not null && demo.FailedStep != step)
        {
            // An earlier step stopped the demo: that step's own test reports it.
            Skip.If(!demo.Passed.Contains(demo.FailedStep), $"not reached: demo.sh stopped at step '{demo.FailedStep}' ({demo.FailedReason})");
        }
        Assert.Fail($"demo.sh step '{step}' did not pass although skiff has {feature}:\n{demo.Result}");
    }

    // face "" is the podman face (skiff's own); "buildah" runs `skiff buildah VERB`.
    private static async Task<bool> VerbExistsAsync(string face, string verb)
    {
        string[] args = face.Length == 0 ? [verb, "--help"] : [face, verb, "--help"];
        ProcessResult r = await ProcessRunner.RunAsync(SkiffCli.Binary!, args);
        return r.ExitCode == 0;
    }

    private static async Task<bool> FlagExistsAsync(string verb, string flag)
    {
        ProcessResult r = await ProcessRunner.RunAsync(SkiffCli.Binary!, [verb, "--help"]);
        return r.ExitCode == 0 && r.StdOut.Contains(flag, StringComparison.Ordinal);
    }

    // systemd mode: a container created with --systemd=always records it as podman's SystemdMode.
    private static async Task<bool> SystemdModeAsync()
    {
        if (!await FlagExistsAsync("run", "--systemd"))
        {
            return false;
        }
        using var probe = new SkiffCli();
        await probe.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        ProcessResult r = await probe.RunAsync("create", "--systemd=always", "--name", "probe", "busybox", "/sbin/init");
        if (r.ExitCode != 0)
        {
            return false;
        }
        string inspect = await probe.OkAsync("container", "inspect", "probe");
        return inspect.Contains("\"SystemdMode\": true", StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Import_makes_the_factory_base_image()
    {
        await RequireStepAsync("import-base", "podman import", () => VerbExistsAsync("", "import"));
        Assert.Equal(0, (await demo.PodmanAsync("image", "inspect", "localhost/factory-base")).ExitCode);
    }

    [SkippableFact]
    public async Task Build_script_makes_sf_image_with_init_cmd_ports_and_author()
    {
        await RequireStepAsync("build", "buildah from/mount/run/copy/config/commit", async () =>
            await VerbExistsAsync("buildah", "copy") && await VerbExistsAsync("buildah", "config") && await VerbExistsAsync("buildah", "commit"));
        using JsonDocument doc = JsonDocument.Parse(await demo.Skiff.OkAsync("image", "inspect", "sf-image"));
        JsonElement image = doc.RootElement[0];
        JsonElement config = image.GetProperty("Config");
        Assert.Equal(["/sbin/init"], config.GetProperty("Cmd").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(["29418", "443", "80"], config.GetProperty("ExposedPorts").EnumerateObject().Select(p => p.Name.Split('/')[0]).Order(StringComparer.Ordinal));
        Assert.Equal("release@softwarefactory-project.io", image.GetProperty("Author").GetString());
        // The trap removed the working container.
        Assert.DoesNotContain("factory-base-working-container", await demo.Skiff.OkAsync("buildah", "containers"));
    }

    [SkippableFact]
    public async Task Run_starts_my_sf_detached_with_published_ports()
    {
        await RequireStepAsync("run", "podman run --systemd=always --publish-all -v", async () =>
            await FlagExistsAsync("run", "--publish-all") && await FlagExistsAsync("run", "--systemd"));
        Assert.Contains("my-sf", (await demo.PodmanAsync("ps", "-a")).StdOut);
    }

    [SkippableFact]
    public async Task Systemd_boots_with_every_service_active()
    {
        await RequireStepAsync("boot", "systemd mode (run --systemd=always)", SystemdModeAsync);
        Assert.Contains("system state: ", demo.Result!.StdOut);
    }

    [SkippableFact]
    public async Task Port_lists_80_443_and_29418_each_on_a_host_port()
    {
        await RequireStepAsync("port", "podman port", () => VerbExistsAsync("", "port"));
        string ports = demo.Result!.StdOut;
        foreach (string p in new[] { "80", "443", "29418" })
        {
            Assert.Matches(new Regex($@"(?m)^{p}/tcp -> 0\.0\.0\.0:\d+"), ports);
        }
    }

    [SkippableFact]
    public async Task Dashboard_answers_over_http_with_the_api_proxied()
    {
        await RequireStepAsync("dashboard-http", "port publishing (--publish-all)", () => FlagExistsAsync("run", "--publish-all"));
        Assert.Contains("ok: dashboard-http", demo.Result!.StdOut);
    }

    [SkippableFact]
    public async Task Dashboard_answers_over_https_with_the_first_boot_certificate()
    {
        await RequireStepAsync("dashboard-https", "port publishing (--publish-all)", () => FlagExistsAsync("run", "--publish-all"));
        Assert.Contains("ok: dashboard-https", demo.Result!.StdOut);
    }

    [SkippableFact]
    public async Task Ssh_answers_on_the_review_port()
    {
        await RequireStepAsync("ssh", "port publishing (--publish-all)", () => FlagExistsAsync("run", "--publish-all"));
        Assert.Contains("ssh banner: SSH-2.0-", demo.Result!.StdOut);
    }

    [SkippableFact]
    public async Task Admin_password_is_read_with_exec_awk()
    {
        await RequireStepAsync("admin-password", "podman exec", () => VerbExistsAsync("", "exec"));
        Assert.Matches(new Regex(@"(?m)^admin password: [0-9a-f]{24}$"), demo.Result!.StdOut);
    }

    [SkippableFact]
    public async Task Logs_show_the_first_boot_summary()
    {
        await RequireStepAsync("logs", "podman logs of a tty container", () => VerbExistsAsync("", "logs"));
        Assert.Contains("Software Factory first-boot configuration: SUCCESS", demo.Result!.StdOut);
    }

    [SkippableFact]
    public async Task Stop_halts_systemd_without_sigkill_and_start_boots_it_again_with_its_state()
    {
        await RequireStepAsync("restart", "podman stop/start of a systemd container", async () =>
            await VerbExistsAsync("", "stop") && await VerbExistsAsync("", "start"));
        Assert.Matches(new Regex(@"(?m)^stopped with exit code: (?!137$)\d+$"), demo.Result!.StdOut);
        Assert.Matches(new Regex(@"(?m)^system state after start: (running|degraded)$"), demo.Result.StdOut);
    }

    [SkippableFact]
    public async Task Commit_saves_the_configured_container_as_my_sf_image()
    {
        await RequireStepAsync("commit", "podman commit", () => VerbExistsAsync("", "commit"));
        Assert.Equal(0, (await demo.PodmanAsync("image", "inspect", "my-sf-image")).ExitCode);
        Assert.Contains("Software Factory is ready.", demo.Result!.StdOut);
    }
}
