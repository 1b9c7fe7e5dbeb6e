using System.Diagnostics;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

public class ContainerRobustnessTests
{
    private static async Task AssertNothingLeaksAsync(ContainerCli c)
    {
        string[] mounts = await File.ReadAllLinesAsync("/proc/self/mounts");
        Assert.DoesNotContain(mounts, m => m.Contains(c.Cli.Root + "/", StringComparison.Ordinal) || m.Contains(c.Cli.RunRoot + "/", StringComparison.Ordinal));
        // conmon lingers a moment after its container, running the exit command.
        for (int i = 0; i < 200 && Monitors(c).Count > 0; i++)
        {
            await Task.Delay(50);
        }
        Assert.Empty(Monitors(c));
    }

    private static List<string> Monitors(ContainerCli c) =>
        Process.GetProcessesByName("conmon").Select(p =>
        {
            try
            {
                return File.ReadAllText($"/proc/{p.Id}/cmdline");
            }
            catch (IOException)
            {
                return "";
            }
        }).Where(cmd => cmd.Contains(c.Cli.RunRoot, StringComparison.Ordinal)).ToList();

    private static async Task<IReadOnlyList<string>> NetnsAsync() =>
        (await ProcessRunner.RunAsync("ip", ["netns", "list"])).StdOut.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')[0]).ToList();

    [SkippableFact]
    public async Task Killed_conmon_and_container_show_as_exited_and_rm_leaves_nothing()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        int port = ContainerLifecycleTests.FreePort();
        string id = (await c.OkAsync("run", "-d", "-p", $"{port}:80", "busybox", "httpd", "-f", "-p", "80")).Trim();
        string pids = await c.OkAsync("container", "inspect", "--format", "{{.State.Pid}} {{.State.ConmonPid}}", id);
        int[] both = pids.Trim().Split(' ').Select(int.Parse).ToArray();
        Process.GetProcessById(both[1]).Kill();
        Process.GetProcessById(both[0]).Kill();
        for (int i = 0; i < 100 && Directory.Exists($"/proc/{both[0]}"); i++)
        {
            await Task.Delay(20);
        }
        Assert.StartsWith("Exited", await c.OkAsync("ps", "-a", "--format", "{{.Status}}"));
        Assert.Equal(id + "\n", await c.OkAsync("rm", id));
        Assert.DoesNotContain("skiff-" + id[..24], await NetnsAsync());
        Assert.DoesNotContain($"dport {port}", (await ProcessRunner.RunAsync("iptables", ["-t", "nat", "-S"])).StdOut);
        await AssertNothingLeaksAsync(c);
    }

    [SkippableFact]
    public async Task Killed_container_process_is_seen_as_exited_by_every_later_command()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        string id = (await c.OkAsync("run", "-d", "busybox", "sleep", "1000")).Trim();
        int pid = int.Parse((await c.OkAsync("container", "inspect", "--format", "{{.State.Pid}}", id)).Trim());
        Process.GetProcessById(pid).Kill();
        Assert.Equal("137\n", await c.OkAsync("wait", id));
        Assert.Equal("exited\n", await c.OkAsync("container", "inspect", "--format", "{{.State.Status}}", id));
        Assert.Equal(id + "\n", await c.OkAsync("rm", id));
        await AssertNothingLeaksAsync(c);
    }

    [SkippableFact]
    public async Task Skiff_killed_during_run_d_and_stop_leaves_a_store_that_ps_and_rm_handle()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        IReadOnlyList<string> before = await NetnsAsync();
        foreach (int delay in new[] { 30, 120, 250, 400 })
        {
            using var run = Process.Start(new ProcessStartInfo(SkiffCli.Binary!)
            {
                ArgumentList = { "--root", c.Cli.Root, "--runroot", c.Cli.RunRoot, "--storage-driver", "overlay", "run", "-d", "-p", "80", "busybox", "sleep", "1000" },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            await Task.Delay(delay);
            run.Kill();
            await run.WaitForExitAsync();
        }
        string ids = await c.OkAsync("ps", "-a", "-q");
        foreach (string id in ids.Split('\n', StringSplitOptions.RemoveEmptyEntries).Take(1))
        {
            using var stop = Process.Start(new ProcessStartInfo(SkiffCli.Binary!)
            {
                ArgumentList = { "--root", c.Cli.Root, "--runroot", c.Cli.RunRoot, "--storage-driver", "overlay", "stop", "-t", "5", id },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            })!;
            await Task.Delay(300);
            stop.Kill();
            await stop.WaitForExitAsync();
        }
        await c.OkAsync("ps", "-a");
        await c.OkAsync("rm", "-a", "-f", "-t", "0");
        Assert.Equal("", await c.OkAsync("ps", "-aq"));
        Assert.Equal(before.Order(), (await NetnsAsync()).Order());
        await AssertNothingLeaksAsync(c);
    }

    [SkippableFact]
    public async Task Publish_all_maps_exposed_ports_to_random_host_ports()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("import", "--change", "EXPOSE 80", Fixtures.BusyboxTar, "webimg");
        await c.OkAsync("run", "-d", "--name", "w", "-P", "webimg", "httpd", "-f", "-p", "80", "-h", "/etc");
        string mapping = (await c.OkAsync("port", "w", "80")).Trim();
        int port = int.Parse(mapping.Split(':')[1]);
        string hostname = (await c.OkAsync("exec", "w", "hostname")).Trim();
        Assert.Equal(hostname + "\n", await ContainerLifecycleTests.GetAsync(port, "/hostname"));
        await c.OkAsync("rm", "-f", "-t", "0", "w");
        await AssertNothingLeaksAsync(c);
    }

    [SkippableFact]
    public async Task Concurrent_run_rm_and_rm_f_storms_leave_nothing_behind()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        IReadOnlyList<string> before = await NetnsAsync();
        int perWorker = int.TryParse(Environment.GetEnvironmentVariable("SKIFF_STORM"), out int n) ? n : 25;
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            for (int i = 0; i < perWorker; i++)
            {
                ProcessResult r = i % 2 == 0
                    ? await c.RunAsync("run", "--rm", "busybox", "sh", "-c", "echo $((1+1))")
                    : await c.RunAsync("run", "-d", "--name", $"s{w}-{i}", "busybox", "sleep", "100");
                if (r.ExitCode != 0 || (i % 2 == 0 && r.StdOut != "2\n"))
                {
                    failures.Add(r.ToString());
                }
                if (i % 2 == 1)
                {
                    ProcessResult rm = await c.RunAsync("rm", "-f", "-t", "0", $"s{w}-{i}");
                    if (rm.ExitCode != 0)
                    {
                        failures.Add(rm.ToString());
                    }
                }
            }
        })));
        Assert.Empty(failures);
        Assert.Equal("", await c.OkAsync("ps", "-aq"));
        Assert.Equal(before.Order(), (await NetnsAsync()).Order());
        await AssertNothingLeaksAsync(c);
    }
}
