namespace Skiff.Integration.Tests;

public class ContainerPolicyTests
{
    [SkippableFact]
    public async Task Restart_on_failure_restarts_up_to_the_limit_and_stop_is_final()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "rf", "--restart", "on-failure:2", "busybox", "sh", "-c", "echo run; exit 3");
        // The count reaches 2 as the third run starts: wait for that run's output as well.
        string state = "", logs = "";
        for (int i = 0; i < 200 && (state != "2 exited 3" || logs != "run\nrun\nrun\n"); i++)
        {
            await Task.Delay(50);
            state = (await c.OkAsync("container", "inspect", "--format", "{{.RestartCount}} {{.State.Status}} {{.State.ExitCode}}", "rf")).Trim();
            logs = await c.OkAsync("logs", "rf");
        }
        Assert.Equal("2 exited 3", state);
        Assert.Equal("run\nrun\nrun\n", logs);

        await c.OkAsync("run", "-d", "--name", "ok", "--restart", "on-failure", "busybox", "true");
        Assert.Equal("0\n", await c.OkAsync("wait", "ok"));
        Assert.Equal("0\n", await c.OkAsync("container", "inspect", "--format", "{{.RestartCount}}", "ok"));
    }

    [SkippableFact]
    public async Task Attach_follows_a_running_container_to_its_exit_code()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "at", "busybox", "sh", "-c", "sleep 1; echo attached-out; exit 5");
        var r = await c.RunAsync("attach", "at");
        Assert.Equal(5, r.ExitCode);
        Assert.Equal("attached-out\n", r.StdOut);
    }

    [SkippableFact]
    public async Task Init_runs_catatonit_as_pid_one()
    {
        Skip.IfNot(ContainerCli.Available && File.Exists("/usr/libexec/podman/catatonit"));
        using ContainerCli c = await ContainerCli.CreateAsync();
        string cmdline = await c.OkAsync("run", "--rm", "--init", "busybox", "cat", "/proc/1/cmdline");
        Assert.StartsWith("/run/podman-init\0--\0cat\0", cmdline);
    }

    [SkippableFact]
    public async Task Stop_timeout_and_stop_signal_from_create_are_honoured()
    {
        Skip.IfNot(ContainerCli.Available);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("run", "-d", "--name", "sig", "--stop-signal", "USR1", "busybox", "sh", "-c", "trap 'exit 11' USR1; while true; do sleep 0.1; done");
        Assert.Equal("10\n", await c.OkAsync("container", "inspect", "--format", "{{.Config.StopSignal}}", "sig"));
        await c.OkAsync("stop", "sig");
        Assert.Equal("11\n", await c.OkAsync("wait", "sig"));
    }
}
