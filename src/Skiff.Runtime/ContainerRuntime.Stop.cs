using Skiff.Interop;
using Skiff.Storage;

namespace Skiff.Runtime;

public sealed partial class ContainerRuntime
{
    private static readonly TimeSpan s_poll = TimeSpan.FromMilliseconds(25);

    /// <summary>
    /// Stops a running container: its stop signal, then SIGKILL after <paramref name="timeout"/> seconds, then
    /// cleans up (network, mounts, the runtime's record). A container that is not running is left as it is.
    /// </summary>
    public async Task StopAsync(string nameOrId, uint? timeout = null, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Get(nameOrId);
        string id = info.Record.Id;
        using ContainerLock held = LockAndReconcile(id, out ContainerStatus status);
        bool wasRunning = status.State is ContainerState.Running or ContainerState.Paused;
        await StopLockedAsync(id, info.Definition, status, timeout ?? info.Definition.StopTimeout, cancellationToken).ConfigureAwait(false);
        held.Write(status);
        if (wasRunning)
        {
            Events.Container("stop", info.Definition);
        }
        await CleanupLockedAsync(id, info.Definition, status, cancellationToken).ConfigureAwait(false);
        held.Write(status);
    }

    private async Task StopLockedAsync(string id, ContainerDefinition def, ContainerStatus status, uint timeout, CancellationToken cancellationToken)
    {
        if (status.State is not (ContainerState.Running or ContainerState.Paused or ContainerState.Created) || status.Pid <= 0)
        {
            return;
        }
        status.StoppedByUser = true;
        if (status.State == ContainerState.Paused)
        {
            await Oci.ResumeAsync(id, cancellationToken).ConfigureAwait(false);
            status.State = ContainerState.Running;
        }
        if (timeout > 0)
        {
            await Oci.KillAsync(id, def.StopSignal, all: false, cancellationToken).ConfigureAwait(false);
            if (await WaitForExitAsync(id, status, TimeSpan.FromSeconds(timeout), cancellationToken).ConfigureAwait(false))
            {
                return;
            }
        }
        await Oci.KillAsync(id, Signals.SIGKILL, all: true, cancellationToken).ConfigureAwait(false);
        if (!await WaitForExitAsync(id, status, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false))
        {
            throw new RuntimeException($"container {id} did not exit after SIGKILL");
        }
    }

    /// <summary>Polls until conmon records the exit (or the container and conmon are gone); true when it exited.</summary>
    private async Task<bool> WaitForExitAsync(string id, ContainerStatus status, TimeSpan limit, CancellationToken cancellationToken)
    {
        long deadline = Environment.TickCount64 + (long)limit.TotalMilliseconds;
        while (true)
        {
            if (Reconcile(id, status, probeRuntime: false))
            {
                return true;
            }
            // Conmon gone with the container: nobody will write an exit file.
            if (status.ConmonPid > 0 && !IsConmon(status.ConmonPid) && !Signals.IsAlive(status.Pid))
            {
                status.State = ContainerState.Exited;
                status.ExitCode = 137;
                status.FinishedAt = _time.GetUtcNow();
                return true;
            }
            if (Environment.TickCount64 >= deadline)
            {
                return false;
            }
            await Task.Delay(s_poll, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Sends a signal to the container's main process (`runc kill`).</summary>
    public async Task KillAsync(string nameOrId, int signal, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Get(nameOrId);
        using ContainerLock held = LockAndReconcile(info.Record.Id, out ContainerStatus status);
        if (status.State is not (ContainerState.Running or ContainerState.Paused))
        {
            throw new ContainerStateException($"can only kill running containers. {info.Record.Id} is in state {status.StateName}: container state improper");
        }
        status.StoppedByUser = true;
        held.Write(status);
        if (!await Oci.KillAsync(info.Record.Id, signal, all: false, cancellationToken).ConfigureAwait(false))
        {
            throw new ContainerStateException($"can only kill running containers. {info.Record.Id} is in state exited: container state improper");
        }
        Events.Container("kill", info.Definition);
    }

    public async Task PauseAsync(string nameOrId, bool pause, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Get(nameOrId);
        using ContainerLock held = LockAndReconcile(info.Record.Id, out ContainerStatus status);
        ContainerState need = pause ? ContainerState.Running : ContainerState.Paused;
        if (status.State != need)
        {
            throw new ContainerStateException(pause
                ? $"\"{info.Definition.Name}\" is not running, can't pause: container state improper"
                : $"\"{info.Definition.Name}\" is not paused, can't unpause: container state improper");
        }
        if (pause)
        {
            await Oci.PauseAsync(info.Record.Id, cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await Oci.ResumeAsync(info.Record.Id, cancellationToken).ConfigureAwait(false);
        }
        status.State = pause ? ContainerState.Paused : ContainerState.Running;
        held.Write(status);
        Events.Container(pause ? "pause" : "unpause", info.Definition);
    }

    /// <summary>
    /// conmon's exit command: after the container exited, tears down its network and mounts and the runtime's
    /// record; removes it when it was created with --rm. Idempotent; a container that is gone is fine.
    /// </summary>
    public async Task CleanupAsync(string nameOrId, bool remove = false, CancellationToken cancellationToken = default)
    {
        ContainerInfo? info = Find(nameOrId);
        if (info is null)
        {
            return;
        }
        string id = info.Record.Id;
        if (OwnedByLiveClient(info.Status))
        {
            // An attached `run --rm` cleans up and removes the container itself as soon as it sees the exit; doing it
            // here too would only make it wait for this process's lock.
            return;
        }
        bool autoRemove;
        bool restart;
        using (ContainerLock held = LockAndReconcile(id, out ContainerStatus status))
        {
            if (status.State is ContainerState.Running or ContainerState.Paused || OwnedByLiveClient(status))
            {
                return;
            }
            bool wasActive = !status.CleanedUp;
            await CleanupLockedAsync(id, info.Definition, status, cancellationToken).ConfigureAwait(false);
            ContainerDefinition def = info.Definition;
            restart = wasActive && !remove && !status.StoppedByUser && status.State == ContainerState.Exited && def.RestartPolicy switch
            {
                "always" or "unless-stopped" => true,
                "on-failure" => status.ExitCode != 0 && (def.RestartRetries == 0 || status.RestartCount < def.RestartRetries),
                _ => false,
            };
            if (restart)
            {
                status.RestartCount++;
            }
            held.Write(status);
            autoRemove = (remove || info.Definition.AutoRemove) && status.State is ContainerState.Exited or ContainerState.Stopped
                && !(status.ClientPid > 0 && status.ClientPid != Environment.ProcessId && Signals.IsAlive(status.ClientPid));
        }
        if (restart)
        {
            await StartAsync(id, cancellationToken).ConfigureAwait(false);
            return;
        }
        if (autoRemove)
        {
            try
            {
                await RemoveAsync(id, force: false, timeout: 0, volumes: true, cancellationToken).ConfigureAwait(false);
            }
            catch (NoSuchContainerException)
            {
            }
        }
    }

    private static bool OwnedByLiveClient(ContainerStatus status) =>
        status.ClientPid > 0 && status.ClientPid != Environment.ProcessId && Signals.IsAlive(status.ClientPid);

    private async Task CleanupLockedAsync(string id, ContainerDefinition def, ContainerStatus status, CancellationToken cancellationToken)
    {
        if (status.CleanedUp)
        {
            return;
        }
        if (status.State is ContainerState.Running or ContainerState.Paused or ContainerState.Created && status.Pid > 0)
        {
            return;
        }
        bool died = status.State is ContainerState.Exited or ContainerState.Stopped;
        if (died)
        {
            Events.Container("died", def, status.ExitCode);
        }
        // The runtime's record and the network are independent once the process is gone: undone side by side.
        Task delete = Oci.DeleteAsync(id, force: true, cancellationToken);
        Task teardown = status.NetNsPath is null ? Task.CompletedTask : Networks.TeardownAsync(def, status.NetNsPath, status.Ports, cancellationToken);
        try
        {
            await delete.ConfigureAwait(false);
        }
        finally
        {
            await teardown.ConfigureAwait(false);
        }
        status.NetNsPath = null;
        status.NetworkStatus = null;
        if (status.Mountpoint is not null)
        {
            try
            {
                await _store.UnmountContainerAsync(id, force: false, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerNotFoundException)
            {
            }
            status.Mountpoint = null;
        }
        status.Pid = 0;
        status.ConmonPid = 0;
        status.CleanedUp = true;
        if (status.State == ContainerState.Created)
        {
            status.State = ContainerState.Exited;
        }
        Events.Container("cleanup", def);
    }

    /// <summary>
    /// Removes a container: refuses a running one unless forced (then stops it within <paramref name="timeout"/>
    /// seconds), cleans up, and deletes its storage; with <paramref name="volumes"/> its anonymous volumes too.
    /// </summary>
    public async Task RemoveAsync(string nameOrId, bool force, uint? timeout = null, bool volumes = false, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Get(nameOrId);
        string id = info.Record.Id;
        using (ContainerLock held = LockAndReconcile(id, out ContainerStatus status))
        {
            if (status.State is ContainerState.Running or ContainerState.Paused or ContainerState.Created && status.Pid > 0)
            {
                if (!force)
                {
                    throw new ContainerStateException(
                        $"cannot remove container {id} as it is {status.StateName} - running or paused containers cannot be removed without force: container state improper");
                }
                await StopLockedAsync(id, info.Definition, status, timeout ?? info.Definition.StopTimeout, cancellationToken).ConfigureAwait(false);
            }
            await CleanupLockedAsync(id, info.Definition, status, cancellationToken).ConfigureAwait(false);
            try
            {
                await _store.DeleteContainerAsync(id, cancellationToken).ConfigureAwait(false);
            }
            catch (ContainerNotFoundException)
            {
                throw new NoSuchContainerException(nameOrId);
            }
            Conmon.RemoveExitFile(id);
        }
        Events.Container("remove", info.Definition);
        if (volumes)
        {
            foreach (string v in info.Definition.AnonymousVolumes)
            {
                try
                {
                    await Volumes.RemoveAsync(v, force: false, cancellationToken).ConfigureAwait(false);
                }
                catch (RuntimeException)
                {
                    // Still used by another container: kept, as podman keeps it.
                }
            }
        }
    }

    /// <summary>Waits until the container is no longer running and returns its exit code.</summary>
    public async Task<int> WaitAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Get(nameOrId);
        string id = info.Record.Id;
        int polls = 0;
        while (true)
        {
            ContainerStatus status = StateFile.Read(info.RunDir);
            Reconcile(id, status, probeRuntime: false);
            if (status.State is ContainerState.Exited or ContainerState.Stopped
                || (status.State is ContainerState.Configured or ContainerState.Created && status.Pid == 0))
            {
                return status.ExitCode;
            }
            if (_store.FindContainer(id) is null)
            {
                // Removed meanwhile (--rm): the exit file may still tell the code.
                return Conmon.ReadExitFile(id)?.Code ?? status.ExitCode;
            }
            // Short polls first: an attached run sees its container's exit within milliseconds.
            await Task.Delay(++polls < 100 ? TimeSpan.FromMilliseconds(5) : s_poll * 2, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The exit code conmon recorded for a container, even when it has been removed since.</summary>
    public int? RecordedExitCode(string id) => Conmon.ReadExitFile(id)?.Code;
}
