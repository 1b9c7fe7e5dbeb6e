using System.Text.Json;
using Skiff.Storage;

namespace Skiff.Runtime;

/// <summary>A container as the runtime sees it: its store record, its definition and its current state.</summary>
public sealed record ContainerInfo(ContainerRecord Record, ContainerDefinition Definition, ContainerStatus Status, string RunDir, string LogPath);

/// <summary>
/// Containers on one store: their lifecycle (create, start, stop, kill, pause, remove, cleanup), run through conmon
/// and runc. Every state change happens under the container's lock; state is reconciled with conmon's exit file and
/// with what is alive, so it is right after the process that started a container is gone.
/// </summary>
public sealed partial class ContainerRuntime
{
    private readonly Store _store;
    private readonly RuntimeOptions _options;
    private readonly TimeProvider _time;

    public ContainerRuntime(Store store, RuntimeOptions options, TimeProvider? time = null)
    {
        _store = store;
        _options = options;
        _time = time ?? TimeProvider.System;
        Oci = new OciRuntime(options);
        Conmon = new Conmon(options, Oci);
        Networks = new Network.NetworkManager(options, store.Options.GraphRoot);
        Events = new Events.EventLog(store.Options.RunRoot, _time);
        Volumes = new Volumes.VolumeManager(store.Options.GraphRoot, () => store.ListContainers().Select(ReadDefinition));
    }

    public Store Store => _store;
    public RuntimeOptions Options => _options;
    public OciRuntime Oci { get; }
    public Conmon Conmon { get; }
    public Network.NetworkManager Networks { get; }
    public Volumes.VolumeManager Volumes { get; }

    /// <summary>The store's event log (podman events), appended by every lifecycle change.</summary>
    public Events.EventLog Events { get; }

    public static ContainerDefinition ReadDefinition(ContainerRecord record)
    {
        ContainerDefinition? def = null;
        if (!string.IsNullOrEmpty(record.Metadata))
        {
            try
            {
                def = JsonSerializer.Deserialize(record.Metadata, RuntimeJsonContext.Default.ContainerDefinition);
            }
            catch (JsonException)
            {
                // Not ours (a buildah working container, say): shown with what the record has.
            }
        }
        def ??= new ContainerDefinition { Id = record.Id, Created = record.Created, ImageId = record.ImageId };
        return def with { Id = record.Id, Name = record.Names.FirstOrDefault() ?? def.Name };
    }

    /// <summary>Finds a container by name, id or id prefix; null when there is none.</summary>
    public ContainerInfo? Find(string nameOrId)
    {
        ContainerRecord? record;
        try
        {
            record = _store.FindContainer(nameOrId);
        }
        catch (StorageException e)
        {
            throw new RuntimeException(e.Message, e);
        }
        return record is null ? null : Describe(record);
    }

    public ContainerInfo Get(string nameOrId) => Find(nameOrId) ?? throw new NoSuchContainerException(nameOrId);

    /// <summary>Every container with its state (read without locks; exits conmon recorded are applied in memory).</summary>
    public IReadOnlyList<ContainerInfo> List() => _store.ListContainers().Select(Describe).ToList();

    private ContainerInfo Describe(ContainerRecord record)
    {
        string runDir = _store.GetContainerRunDirectory(record.Id);
        ContainerStatus status = StateFile.Read(runDir);
        Reconcile(record.Id, status, probeRuntime: false);
        return new ContainerInfo(record, ReadDefinition(record), status, runDir, LogPathOf(record.Id));
    }

    public string LogPathOf(string id) => Path.Combine(_store.GetContainerDirectory(id), "ctr.log");

    /// <summary>Creates the container's storage (a read-write layer over the image) and records its definition.</summary>
    public async Task<ContainerInfo> CreateAsync(ContainerDefinition definition, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(definition);
        string name = string.IsNullOrEmpty(definition.Name) ? NameGenerator.Generate(n => _store.FindContainer(n) is not null) : definition.Name;
        ContainerDefinition def = definition with { Name = name, Created = _time.GetUtcNow() };
        string metadata = JsonSerializer.Serialize(def, RuntimeJsonContext.Default.ContainerDefinition);
        ContainerRecord record;
        try
        {
            record = await _store.CreateContainerAsync(def.ImageId, name, metadata, cancellationToken).ConfigureAwait(false);
        }
        catch (NameInUseException e)
        {
            throw new RuntimeException(e.Message, e);
        }
        string runDir = _store.GetContainerRunDirectory(record.Id);
        StateFile.Write(runDir, new ContainerStatus { State = ContainerState.Configured });
        ContainerInfo created = Describe(record);
        Events.Container("create", created.Definition);
        return created;
    }

    /// <summary>Rewrites the stored definition (rename, restart counters).</summary>
    public Task UpdateDefinitionAsync(ContainerDefinition def, CancellationToken cancellationToken = default) =>
        _store.SetContainerMetadataAsync(def.Id, JsonSerializer.Serialize(def, RuntimeJsonContext.Default.ContainerDefinition), cancellationToken);

    /// <summary>
    /// Brings a state up to date with what conmon recorded: an exit file means the container exited with its code;
    /// a dead conmon without one means the container died unrecorded (probed with the runtime when asked).
    /// </summary>
    private bool Reconcile(string id, ContainerStatus status, bool probeRuntime)
    {
        if (status.State is not (ContainerState.Created or ContainerState.Running or ContainerState.Paused))
        {
            return false;
        }
        if (Conmon.ReadExitFile(id) is { } exit)
        {
            status.State = ContainerState.Exited;
            status.ExitCode = exit.Code;
            status.FinishedAt = exit.Time;
            status.Pid = 0;
            return true;
        }
        if (status.ConmonPid > 0 && !IsConmon(status.ConmonPid))
        {
            bool containerAlive = status.Pid > 0 && Skiff.Interop.Signals.IsAlive(status.Pid);
            if (probeRuntime && containerAlive)
            {
                Spec.RuntimeState? state = Oci.StateAsync(id).GetAwaiter().GetResult();
                containerAlive = state is not null && state.Status is "running" or "paused" or "created";
            }
            if (!containerAlive)
            {
                status.State = ContainerState.Exited;
                status.ExitCode = -1;
                status.FinishedAt = _time.GetUtcNow();
                status.Pid = 0;
                return true;
            }
        }
        return false;
    }

    private static bool IsConmon(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/comm").Trim() == "conmon";
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>Takes the container's lock and brings its state up to date (persisting any change).</summary>
    private ContainerLock LockAndReconcile(string id, out ContainerStatus status)
    {
        ContainerLock held = ContainerLock.Acquire(_store.GetContainerRunDirectory(id));
        status = held.Read();
        if (Reconcile(id, status, probeRuntime: true))
        {
            held.Write(status);
        }
        return held;
    }
}
