using Skiff.Interop;

namespace Skiff.Runtime.Tests;

public class StateTests
{
    [SkippableFact]
    public async Task Detached_container_outlives_its_starter_and_stop_ends_it()
    {
        Skip.IfNot(RuntimeFixture.Available);
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        ContainerInfo c = await f.Runtime.CreateAsync(f.Definition("sleep", "1000"));
        await f.Runtime.StartAsync(c.Record.Id);

        // A second runtime over the same store (another process, as far as state goes) sees it running.
        var other = new ContainerRuntime(f.Store, new RuntimeOptions { RunRoot = f.Store.Options.RunRoot });
        ContainerInfo seen = other.Get(c.Record.Id);
        Assert.Equal(ContainerState.Running, seen.Status.State);
        Assert.True(Signals.IsAlive(seen.Status.Pid));
        Assert.True(seen.Status.ConmonPid > 0);

        // sleep as PID 1 ignores SIGTERM: stop falls back to SIGKILL after the timeout.
        await other.StopAsync(c.Record.Id, timeout: 1);
        ContainerInfo stopped = f.Runtime.Get(c.Record.Id);
        Assert.Equal(ContainerState.Exited, stopped.Status.State);
        Assert.Equal(137, stopped.Status.ExitCode);
        Assert.True(stopped.Status.CleanedUp);
        Assert.DoesNotContain(Mounts.ListMountPoints(), m => m.StartsWith(f.Root + "/", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Stop_uses_the_stop_signal_and_a_handled_signal_exits_cleanly()
    {
        Skip.IfNot(RuntimeFixture.Available);
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        ContainerInfo c = await f.Runtime.CreateAsync(f.Definition("sh", "-c", "trap 'exit 0' USR1; while true; do sleep 0.1; done") with { StopSignal = 10 });
        await f.Runtime.StartAsync(c.Record.Id);
        await f.Runtime.StopAsync(c.Record.Id, timeout: 20);
        Assert.Equal(0, f.Runtime.Get(c.Record.Id).Status.ExitCode);
    }

    [SkippableFact]
    public async Task Killed_conmon_and_container_leave_an_exited_container_that_rm_removes()
    {
        Skip.IfNot(RuntimeFixture.Available);
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        ContainerInfo c = await f.Runtime.CreateAsync(f.Definition("sleep", "1000"));
        await f.Runtime.StartAsync(c.Record.Id);
        ContainerInfo running = f.Runtime.Get(c.Record.Id);
        Signals.Kill(running.Status.ConmonPid, Signals.SIGKILL);
        Signals.Kill(running.Status.Pid, Signals.SIGKILL);
        for (int i = 0; i < 200 && Signals.IsAlive(running.Status.Pid); i++)
        {
            await Task.Delay(20);
        }
        Assert.Equal(ContainerState.Exited, f.Runtime.Get(c.Record.Id).Status.State);
        await f.Runtime.RemoveAsync(c.Record.Id, force: false);
        Assert.Null(f.Runtime.Find(c.Record.Id));
        Assert.DoesNotContain(Mounts.ListMountPoints(), m => m.StartsWith(f.Root + "/", StringComparison.Ordinal));
    }

    [SkippableFact]
    public async Task Running_container_cannot_be_removed_without_force()
    {
        Skip.IfNot(RuntimeFixture.Available);
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        ContainerInfo c = await f.Runtime.CreateAsync(f.Definition("sleep", "1000"));
        await f.Runtime.StartAsync(c.Record.Id);
        ContainerStateException e = await Assert.ThrowsAsync<ContainerStateException>(() => f.Runtime.RemoveAsync(c.Record.Id, force: false));
        Assert.Contains("cannot remove container", e.Message);
        await f.Runtime.RemoveAsync(c.Record.Id, force: true, timeout: 0);
        Assert.Null(f.Runtime.Find(c.Record.Id));
    }

    [SkippableFact]
    public async Task Pause_freezes_and_unpause_thaws()
    {
        Skip.IfNot(RuntimeFixture.Available);
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        ContainerInfo c = await f.Runtime.CreateAsync(f.Definition("sleep", "1000"));
        await f.Runtime.StartAsync(c.Record.Id);
        await f.Runtime.PauseAsync(c.Record.Id, pause: true);
        Assert.Equal(ContainerState.Paused, f.Runtime.Get(c.Record.Id).Status.State);
        await f.Runtime.PauseAsync(c.Record.Id, pause: false);
        Assert.Equal(ContainerState.Running, f.Runtime.Get(c.Record.Id).Status.State);
    }
}
