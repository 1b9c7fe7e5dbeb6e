using System.Text.RegularExpressions;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// examples/software-factory/demo.sh run once with podman and buildah as links to skiff (SF_WITH=skiff), in its
/// own work directory (private stores, its own docker-registry). The demo prints "== STEP name" then
/// "ok: name (Ns)" or "FAILED: name: why" and stops at the first failure; each test below asserts one step
/// from what that step printed.
/// </summary>
public sealed partial class SoftwareFactoryDemo : IAsyncLifetime
{
    private readonly TempDir _dir = new("skiff-sf-demo");

    public string? NotRunnable { get; private set; }
    public ProcessResult? Result { get; private set; }

    /// <summary>What each step printed, by step name.</summary>
    public Dictionary<string, string> Steps { get; } = [];
    public HashSet<string> Passed { get; } = [];
    public string? FailedStep { get; private set; }

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

    public async Task InitializeAsync()
    {
        string factoryTar = Path.Combine(Fixtures.Directory, "factory-base.tar");
        NotRunnable = SkiffCli.Binary is null ? "skiff binary not built (scripts/build.sh)"
            : ProcessRunner.Which("runc") is null ? "runc not installed (scripts/install-deps.sh)"
            : ProcessRunner.Which("curl") is null ? "curl not installed"
            : !RegistryServer.Available ? "docker-registry not installed"
            : ProcessRunner.Which("htpasswd") is null ? "htpasswd (apache2-utils) not installed"
            : !File.Exists(factoryTar) ? $"{factoryTar} not made (scripts/fixtures.sh --factory)"
            : null;
        if (NotRunnable is not null)
        {
            return;
        }
        var env = new Dictionary<string, string>
        {
            ["SF_WITH"] = "skiff",
            ["SKIFF_BIN"] = SkiffCli.Binary!,
            ["SF_WORK"] = _dir.Combine("work"),
            ["SF_BOOT_TIMEOUT"] = "180",
            ["SKIFF_FIXTURES"] = Fixtures.Directory,
        };
        // stderr joins stdout so each step's text holds everything it printed (nginx -v writes to stderr).
        Result = await ProcessRunner.RunAsync("/bin/bash", ["-c", "exec bash \"$0\" 2>&1", Path.Combine(ExampleDir, "demo.sh")], env: env,
            timeout: TimeSpan.FromMinutes(20));

        string? step = null;
        foreach (string raw in Result.StdOut.Split('\n'))
        {
            string line = raw.TrimEnd('\r');
            if (line.StartsWith("== STEP ", StringComparison.Ordinal))
            {
                step = line[8..].Trim();
                Steps[step] = "";
            }
            else if (OkLine().Match(line) is { Success: true } ok)
            {
                Passed.Add(ok.Groups[1].Value);
            }
            else if (line.StartsWith("FAILED: ", StringComparison.Ordinal))
            {
                FailedStep ??= line[8..].Split(':')[0];
            }
            if (step is not null)
            {
                Steps[step] += line + "\n";
            }
        }
    }

    public Task DisposeAsync()
    {
        // demo.sh's own trap removes its containers, images and stores; the directory goes with it.
        _dir.Dispose();
        return Task.CompletedTask;
    }

    [GeneratedRegex(@"^ok: ([a-z-]+)")]
    private static partial Regex OkLine();
}

public partial class SoftwareFactoryTests(SoftwareFactoryDemo demo) : IClassFixture<SoftwareFactoryDemo>
{
    /// <summary>What <paramref name="step"/> printed, after asserting it passed.</summary>
    private string Step(string step)
    {
        Skip.If(demo.NotRunnable is not null, demo.NotRunnable);
        Assert.True(demo.Passed.Contains(step),
            demo.FailedStep is { } f && f != step && !demo.Steps.ContainsKey(step)
                ? $"demo.sh stopped at step '{f}' before '{step}':\n{demo.Result}"
                : $"demo.sh step '{step}' did not pass:\n{demo.Result}");
        return demo.Steps[step];
    }

    private static int PortOf(string text, int containerPort)
    {
        Match m = Regex.Match(text, $@"(?m)^{containerPort}/tcp -> 0\.0\.0\.0:(\d+)\s*$");
        Assert.True(m.Success, $"no {containerPort}/tcp mapping in:\n{text}");
        return int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
    }

    [SkippableFact]
    public void Import_makes_the_factory_base_image() =>
        Assert.Matches(@"(?m)^sha256:[0-9a-f]{64}$", Step("import-base"));

    [SkippableFact]
    public void Build_script_makes_sf_image_and_its_trap_removes_the_working_container()
    {
        string build = Step("build");
        Assert.Contains("nginx version: nginx/", build);
        Assert.Contains("enabled", build);
        Assert.Matches(@"(?m)^[0-9a-f]{64}$", build);
    }

    [SkippableFact]
    public void Run_starts_my_sf_detached() =>
        Assert.Matches(@"(?m)^[0-9a-f]{64}$", Step("run"));

    [SkippableFact]
    public void Systemd_boots_to_running_with_every_service_active() =>
        Assert.Matches(@"(?m)^system state of my-sf: running$", Step("boot"));

    [SkippableFact]
    public void Port_lists_80_443_and_29418_each_on_its_own_host_port()
    {
        string ports = Step("port");
        int[] host = [PortOf(ports, 80), PortOf(ports, 443), PortOf(ports, 29418)];
        Assert.Equal(3, host.Distinct().Count());
    }

    [SkippableFact]
    public void Dashboard_answers_over_http_with_the_api_proxied() =>
        Assert.Contains("\"projects\": [\"demo\"]", Step("dashboard-http"));

    [SkippableFact]
    public void Dashboard_answers_over_https_with_the_first_boot_certificate() =>
        Assert.Contains("CN = sf.podman.local", Step("dashboard-https"));

    [SkippableFact]
    public void Ssh_answers_on_the_review_port() =>
        Assert.Matches(@"(?m)^ssh banner: SSH-2\.0-OpenSSH", Step("ssh"));

    [SkippableFact]
    public void Admin_password_is_read_with_exec_awk() =>
        Assert.Matches(@"(?m)^admin password: [0-9a-f]{24}$", Step("admin-password"));

    [SkippableFact]
    public void Logs_show_the_first_boot_summary()
    {
        string logs = Step("logs");
        Assert.Contains("Software Factory first-boot configuration: SUCCESS", logs);
        Assert.Contains("awk '/admin_password/ {print $2}' /etc/software-factory/sfconfig.yaml", logs);
    }

    [SkippableFact]
    public void Commit_saves_my_sf_as_my_sf_image() =>
        Assert.Matches(@"(?m)^[0-9a-f]{64}$", Step("commit"));

    [SkippableFact]
    public void Stop_exits_0_before_the_timeout_after_a_clean_systemd_shutdown()
    {
        string stop = Step("stop");
        // podman's own behaviour too: systemd halts, the kernel ends PID 1 with SIGINT (130); 137 is a SIGKILL.
        Match m = Regex.Match(stop, @"(?m)^stop: status 0 in (\d+)ms \(timeout (\d+)s\), container exit code (\d+)$");
        Assert.True(m.Success, stop);
        Assert.True(int.Parse(m.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture)
            < 1000 * int.Parse(m.Groups[2].Value, System.Globalization.CultureInfo.InvariantCulture), stop);
        Assert.Equal("130", m.Groups[3].Value);
        Assert.Contains("Reached target shutdown.target", stop);
        Assert.Contains("Halting system.", stop);
    }

    [SkippableFact]
    public void Committed_image_boots_with_the_configuration_and_does_not_configure_again()
    {
        string run = Step("run-committed");
        string password = Regex.Match(Step("admin-password"), @"(?m)^admin password: (\S+)$").Groups[1].Value;
        Assert.Matches(@"(?m)^system state of my-sf-copy: running$", run);
        Assert.Contains($"admin password in my-sf-copy: {password}\n", run);
        Assert.Contains("sfconfig.service ran again: no\n", run);
        Assert.Matches(@"(?m)^dashboard of my-sf-copy: http://127\.0\.0\.1:\d+/ https://127\.0\.0\.1:\d+/$", run);
    }

    [SkippableFact]
    public void Start_boots_my_sf_again_with_its_state_and_ports()
    {
        string start = Step("start");
        string password = Regex.Match(Step("admin-password"), @"(?m)^admin password: (\S+)$").Groups[1].Value;
        Assert.Matches(@"(?m)^system state of my-sf: running$", start);
        Assert.Contains($"admin password after start: {password}\n", start);
        Assert.Contains($"dashboard of my-sf: http://127.0.0.1:{PortOf(Step("port"), 80)}/ https://127.0.0.1:{PortOf(Step("port"), 443)}/", start);
    }

    [SkippableFact]
    public void Registry_asks_for_credentials_and_login_succeeds()
    {
        Assert.Matches(@"\(htpasswd, /v2/ without credentials: 401\)", Step("registry"));
        Assert.Contains("Login Succeeded!", Step("login"));
    }

    [SkippableFact]
    public void Push_puts_my_sf_image_in_the_registry() =>
        Assert.Contains("registry tags: {\"name\":\"my-org/my-sf-image\",\"tags\":[\"latest\"]}", Step("push"));

    [SkippableFact]
    public void Pull_into_a_fresh_store_and_boot_it_keeps_the_configuration()
    {
        Assert.Matches(@"(?m)^127\.0\.0\.1:\d+/my-org/my-sf-image\s+latest\s+[0-9a-f]{12}", Step("pull-fresh"));
        string boot = Step("boot-fresh");
        string password = Regex.Match(Step("admin-password"), @"(?m)^admin password: (\S+)$").Groups[1].Value;
        Assert.Matches(@"(?m)^system state of my-sf: running$", boot);
        Assert.Contains($"admin password in the fresh store: {password}\n", boot);
        Assert.Matches(@"(?m)^dashboard of my-sf: http://127\.0\.0\.1:\d+/ https://127\.0\.0\.1:\d+/$", boot);
    }

    [SkippableFact]
    public void Images_and_ps_list_what_the_demo_made()
    {
        string images = Step("images");
        foreach (string image in new[] { "localhost/factory-base", "localhost/sf-image", "localhost/my-sf-image" })
        {
            Assert.Matches($@"(?m)^{Regex.Escape(image)}\s+latest\s+[0-9a-f]{{12}}", images);
        }
        string ps = Step("ps");
        Assert.Matches(@"(?m)\sExited \(130\) .*\smy-sf$", ps);
        Assert.Matches(@"(?m)\sExited \(130\) .*\smy-sf-copy$", ps);
    }

    [SkippableFact]
    public void Rm_all_and_rmi_all_empty_the_store_and_the_demo_ends_with_the_dashboard()
    {
        Assert.Equal(2, Regex.Matches(Step("rm"), @"(?m)^[0-9a-f]{64}$").Count);
        Assert.Equal(3, Regex.Matches(Step("rmi"), @"(?m)^Untagged: localhost/").Count);
        Assert.Contains("Software Factory is ready", demo.Result!.StdOut);
        Assert.Matches(@"(?m)^  Admin password: skiff --root \S+ --runroot \S+ exec my-sf awk '/admin_password/ \{print \$2\}' /etc/software-factory/sfconfig.yaml$",
            demo.Result.StdOut);
        Assert.Equal(0, demo.Result.ExitCode);
    }
}
