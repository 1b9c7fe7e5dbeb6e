using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Runtime;

/// <summary>Podman's container states.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<ContainerState>))]
public enum ContainerState
{
    Configured,
    Created,
    Running,
    Paused,
    Stopped,
    Exited,
}

/// <summary>A container's run-time state, kept in its run directory (state.json) and changed under its lock.</summary>
public sealed record ContainerStatus
{
    public ContainerState State { get; set; } = ContainerState.Configured;
    public int Pid { get; set; }
    public int ConmonPid { get; set; }
    public DateTimeOffset? StartedAt { get; set; }
    public DateTimeOffset? FinishedAt { get; set; }
    public int ExitCode { get; set; }
    public string? Error { get; set; }

    /// <summary>The network namespace bind mount, while the container has one.</summary>
    public string? NetNsPath { get; set; }

    /// <summary>Network state as netavark reported it (JSON), while set up.</summary>
    public string? NetworkStatus { get; set; }

    /// <summary>Port mappings in effect (random host ports resolved).</summary>
    public List<PortMapping>? Ports { get; set; }

    /// <summary>The mounted rootfs while the container holds a mount.</summary>
    public string? Mountpoint { get; set; }

    /// <summary>True once network, mounts and the runtime's container are gone after an exit.</summary>
    public bool CleanedUp { get; set; } = true;
    public int RestartCount { get; set; }

    /// <summary>Set by stop/kill through the engine: a restart policy leaves the container stopped.</summary>
    public bool StoppedByUser { get; set; }

    /// <summary>
    /// An attached `run --rm` that reads the exit code and removes the container itself; while it lives, the exit
    /// command leaves removal to it.
    /// </summary>
    public int ClientPid { get; set; }

    /// <summary>podman's "Up", "Exited", "Created"... wording base.</summary>
    public string StateName => State switch
    {
        ContainerState.Configured => "created",
        _ => State.ToString().ToLowerInvariant(),
    };

    public bool IsActive => State is ContainerState.Running or ContainerState.Paused or ContainerState.Created && Pid > 0;
}

/// <summary>
/// The per-container lock (flock on RUNDIR/lock) and the state file. Every
/// state change happens while it is held; readers take it shared.
/// </summary>
public sealed class ContainerLock : IDisposable
{
    private readonly SafeFileHandle _handle;

    private ContainerLock(SafeFileHandle handle, string runDir)
    {
        _handle = handle;
        RunDir = runDir;
    }

    public string RunDir { get; }

    public static ContainerLock Acquire(string runDir, bool exclusive = true)
    {
        Directory.CreateDirectory(runDir);
        SafeFileHandle handle = FileLock.OpenLockFile(Path.Combine(runDir, "lock"));
        try
        {
            FileLock.Lock(handle, exclusive);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
        return new ContainerLock(handle, runDir);
    }

    public ContainerStatus Read() => StateFile.Read(RunDir);

    public void Write(ContainerStatus status) => StateFile.Write(RunDir, status);

    public void Dispose() => _handle.Dispose();
}

/// <summary>state.json in the run directory: write-temp, rename.</summary>
public static class StateFile
{
    public static ContainerStatus Read(string runDir)
    {
        try
        {
            byte[] bytes = File.ReadAllBytes(Path.Combine(runDir, "state.json"));
            return JsonSerializer.Deserialize(bytes, RuntimeJsonContext.Default.ContainerStatus) ?? new ContainerStatus();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return new ContainerStatus();
        }
    }

    public static void Write(string runDir, ContainerStatus status)
    {
        Directory.CreateDirectory(runDir);
        string path = Path.Combine(runDir, "state.json");
        string tmp = path + ".tmp";
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(status, RuntimeJsonContext.Default.ContainerStatus));
        File.Move(tmp, path, overwrite: true);
    }
}
