using System.Diagnostics;
using System.Net.Sockets;
using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class ContainerLifecycleTests
{
    private static async Task<string> WaitForLogAsync(ContainerCli c, string name, string text)
    {
        for (int i = 0; i < 200; i++)
        {
            string log = (await c.RunAsync("logs", name)).StdOut;
            if (log.Contains(text, StringComparison.Ordinal))
            {
                return log;
            }
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"log of {name} never showed {text}");
    }

    [SkippableFact]
    public async Task Detached_container_runs_on_after_run_returns_and_stop_ends_it()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string id = (await c.OkAsync("run", "-d", "--name", "bg", "busybox", "sh", "-c", "trap 'echo bye; exit 0' TERM; echo up; while true; do sleep 0.1; done")).Trim();
        Assert.Matches("^[0-9a-f]{64}$", id);
        await WaitForLogAsync(c, "bg", "up");
        string ps = await c.OkAsync("ps", "--format", "{{.ID}} {{.Names}} {{.Status}}");
        Assert.StartsWith($"{id[..12]} bg Up ", ps);
        Assert.Equal("bg\n", await c.OkAsync("stop", "bg"));
        Assert.Equal("up\nbye\n", await c.OkAsync("logs", "bg"));
        Assert.Equal("0\n", await c.OkAsync("wait", "bg"));
        Assert.StartsWith("Exited (0)", await c.OkAsync("ps", "-a", "--format", "{{.Status}}"));
        Assert.Equal("", await c.OkAsync("ps", "-q"));
        Assert.Equal(id + "\n", await c.OkAsync("rm", "bg"));
        Assert.Equal("", await c.OkAsync("ps", "-aq"));
    }

    [SkippableFact]
    public async Task Stop_signal_timeout_kill_and_start_again()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "stubborn", "busybox", "sleep", "1000");
        var watch = Stopwatch.StartNew();
        await c.OkAsync("stop", "-t", "1", "stubborn");
        Assert.Equal("137\n", await c.OkAsync("wait", "stubborn"));
        Assert.Equal("stubborn\n", await c.OkAsync("start", "stubborn"));
        Assert.Equal("running\n", await c.OkAsync("container", "inspect", "--format", "{{.State.Status}}", "stubborn"));
        await c.OkAsync("kill", "-s", "TERM", "stubborn");
        await c.OkAsync("kill", "stubborn");
        Assert.Equal("137\n", await c.OkAsync("wait", "stubborn"));
        ProcessResult rmRunning = await c.RunAsync("rm", "stubborn");
        Assert.Equal(0, rmRunning.ExitCode);
        _ = watch;
    }

    [SkippableFact]
    public async Task Rm_refuses_a_running_container_without_force()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "busy", "busybox", "sleep", "1000");
        ProcessResult r = await c.RunAsync("rm", "busy");
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("cannot remove container", r.StdErr);
        await c.OkAsync("rm", "-f", "-t", "0", "busy");
        Assert.Equal("", await c.OkAsync("ps", "-aq"));
    }

    [SkippableFact]
    public async Task Exec_runs_in_the_container_with_env_user_and_workdir()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "ex", "-e", "FROM_RUN=1", "busybox", "sleep", "1000");
        Assert.Equal("1 2 1000 /tmp\n", await c.OkAsync("exec", "-e", "FROM_EXEC=2", "-u", "1000", "-w", "/tmp", "ex", "sh", "-c", "echo $FROM_RUN $FROM_EXEC $(id -u) $(pwd)"));
        Assert.Equal(3, (await c.RunAsync("exec", "ex", "sh", "-c", "exit 3")).ExitCode);
        Assert.Equal(127, (await c.RunAsync("exec", "ex", "nosuchcommand")).ExitCode);
        Assert.Equal(0, (await c.RunAsync("exec", "-d", "ex", "sh", "-c", "echo detached > /tmp/d")).ExitCode);
        for (int i = 0; i < 100 && (await c.RunAsync("exec", "ex", "cat", "/tmp/d")).StdOut != "detached\n"; i++)
        {
            await Task.Delay(50);
        }
        Assert.Equal("detached\n", await c.OkAsync("exec", "ex", "cat", "/tmp/d"));
        await c.OkAsync("stop", "-t", "0", "ex");
        ProcessResult stopped = await c.RunAsync("exec", "ex", "true");
        Assert.Equal(125, stopped.ExitCode);
    }

    [SkippableFact]
    public async Task Logs_tail_timestamps_and_follow()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "--name", "chatty", "busybox", "sh", "-c", "echo one; echo two; echo three >&2");
        ProcessResult all = await c.RunAsync("logs", "chatty");
        Assert.Equal("one\ntwo\n", all.StdOut);
        Assert.Equal("three\n", all.StdErr);
        Assert.Equal("two\n", (await c.RunAsync("logs", "--tail", "2", "chatty")).StdOut);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+[+-]\d\d:\d\d one\n", (await c.RunAsync("logs", "-t", "chatty")).StdOut);

        await c.OkAsync("run", "-d", "--name", "follow", "busybox", "sh", "-c", "echo a; sleep 1; echo b");
        ProcessResult followed = await c.RunAsync("logs", "-f", "follow");
        Assert.Equal("a\nb\n", followed.StdOut);
    }

    [SkippableFact]
    public async Task Pause_unpause_and_rename()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string id = (await c.OkAsync("run", "-d", "--name", "p", "busybox", "sleep", "1000")).Trim();
        Assert.Equal(id + "\n", await c.OkAsync("pause", "p"));
        Assert.Equal("paused\n", await c.OkAsync("container", "inspect", "-f", "{{.State.Status}}", "p"));
        Assert.Equal(id + "\n", await c.OkAsync("unpause", "p"));
        await c.OkAsync("rename", "p", "q");
        Assert.Equal("running\n", await c.OkAsync("container", "inspect", "-f", "{{.State.Status}}", "q"));
        Assert.Equal(1, (await c.RunAsync("container", "exists", "p")).ExitCode);
    }

    [SkippableFact]
    public async Task Published_ports_answer_on_localhost_and_go_away_on_stop()
    {
        Skip.IfNot(ContainerCli.Available && File.Exists("/usr/lib/podman/netavark"));
        using ContainerCli c = await ContainerCli.CreateAsync();
        int port = FreePort();
        await c.OkAsync("run", "-d", "--name", "web", "-p", $"{port}:80", "-p", "8081", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        string mappings = await c.OkAsync("port", "web");
        Assert.Contains($"80/tcp -> 0.0.0.0:{port}", mappings);
        Assert.Matches(@"8081/tcp -> 0\.0\.0\.0:\d+", mappings);
        string hostname = (await c.OkAsync("exec", "web", "hostname")).Trim();
        Assert.Equal(hostname + "\n", await GetAsync(port, "/hostname"));
        using JsonDocument doc = JsonDocument.Parse(await c.OkAsync("container", "inspect", "web"));
        Assert.StartsWith("10.89.", doc.RootElement[0].GetProperty("NetworkSettings").GetProperty("IPAddress").GetString());
        await c.OkAsync("stop", "-t", "0", "web");
        await Assert.ThrowsAnyAsync<Exception>(() => GetAsync(port, "/hostname"));
        Assert.DoesNotContain("skiff-" + doc.RootElement[0].GetProperty("Id").GetString()![..24], (await ProcessRunner.RunAsync("ip", ["netns", "list"])).StdOut);
    }

    [SkippableFact]
    public async Task Network_none_has_only_loopback_and_host_shares_the_hosts()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        Assert.Equal("lo\n", await c.OkAsync("run", "--rm", "--network", "none", "busybox", "ls", "/sys/class/net"));
        // Other tests' containers add and remove veth ends on the host meanwhile: compare the stable ones.
        static IEnumerable<string> Stable(IEnumerable<string> names) => names.Where(n => !n.StartsWith("veth", StringComparison.Ordinal)).Order(StringComparer.Ordinal);
        string[] inside = (await c.OkAsync("run", "--rm", "--network", "host", "busybox", "ls", "-1", "/sys/class/net")).Split('\n', StringSplitOptions.RemoveEmptyEntries);
        string[] host = [.. Directory.GetFileSystemEntries("/sys/class/net").Select(p => Path.GetFileName(p))];
        Assert.Contains("lo", inside);
        Assert.Equal(Stable(host), Stable(inside));
    }

    internal static int FreePort()
    {
        using var l = new TcpListener(System.Net.IPAddress.Loopback, 0);
        l.Start();
        return ((System.Net.IPEndPoint)l.LocalEndpoint).Port;
    }

    internal static async Task<string> GetAsync(int port, string path)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
        Exception? last = null;
        for (int i = 0; i < 40; i++)
        {
            try
            {
                return await http.GetStringAsync($"http://127.0.0.1:{port}{path}");
            }
            catch (HttpRequestException e)
            {
                last = e;
                await Task.Delay(100);
            }
        }
        throw last!;
    }
}
