using Skiff.Image;
using Skiff.Interop;
using Skiff.Runtime;

namespace Skiff.Engine.Containers;

/// <summary>Standard streams for an attached container.</summary>
public sealed record AttachStreams(Stream? Stdin, Stream Stdout, Stream Stderr)
{
    /// <summary>Called once attached with a way to send terminal sizes (rows, columns); null for no terminal.</summary>
    public Action<Action<int, int>>? OnResize { get; init; }
}

public sealed partial class ContainerEngine
{
    /// <summary>Starts detached containers; returns per-container results (podman prints names as given).</summary>
    public Task<IReadOnlyList<ContainerOpReport>> StartAsync(IReadOnlyList<string> names, CancellationToken cancellationToken = default) =>
        ForEachAsync(names, async name =>
        {
            ContainerInfo info = Runtime.Get(name);
            await Runtime.StartAsync(info.Record.Id, cancellationToken).ConfigureAwait(false);
            return info.Record.Id;
        });

    /// <summary>
    /// Starts a container attached to the given streams and waits for it: returns its exit code. With
    /// <paramref name="remove"/> this process removes it afterwards (the exit command leaves it alone meanwhile).
    /// </summary>
    public async Task<int> StartAttachedAsync(string nameOrId, AttachStreams streams, bool remove, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ContainerInfo info = Runtime.Get(nameOrId);
        string id = info.Record.Id;
        if (remove)
        {
            Runtime.SetClient(id, Environment.ProcessId);
        }
        try
        {
            if (!await Runtime.InitAsync(id, cancellationToken).ConfigureAwait(false))
            {
                throw new ContainerStateException($"container {id} is already running");
            }
            using (AttachSession session = AttachSession.Connect(info.RunDir))
            {
                streams.OnResize?.Invoke(session.Resize);
                Task copy = session.RunAsync(streams.Stdin, streams.Stdout, streams.Stderr, cancellationToken);
                await Runtime.StartCreatedAsync(id, cancellationToken).ConfigureAwait(false);
                Runtime.Events.Container("attach", info.Definition);
                await copy.ConfigureAwait(false);
            }
            int code = await Runtime.WaitAsync(id, cancellationToken).ConfigureAwait(false);
            await Runtime.CleanupAsync(id, remove: false, cancellationToken).ConfigureAwait(false);
            return code;
        }
        finally
        {
            if (remove)
            {
                try
                {
                    await Runtime.RemoveAsync(id, force: true, timeout: 0, volumes: true, CancellationToken.None).ConfigureAwait(false);
                }
                catch (NoSuchContainerException)
                {
                }
            }
        }
    }

    /// <summary>podman attach: follows a running container's output (and feeds its stdin) until it exits; returns its code.</summary>
    public async Task<int> AttachAsync(string nameOrId, AttachStreams streams, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(streams);
        ContainerInfo info = Runtime.Get(nameOrId);
        if (info.Status.State is not (ContainerState.Running or ContainerState.Paused))
        {
            throw new ContainerStateException($"you can only attach to running containers: container state improper");
        }
        using (AttachSession session = AttachSession.Connect(info.RunDir))
        {
            streams.OnResize?.Invoke(session.Resize);
            await session.RunAsync(info.Definition.Stdin ? streams.Stdin : null, streams.Stdout, streams.Stderr, cancellationToken).ConfigureAwait(false);
        }
        return await Runtime.WaitAsync(info.Record.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sends a signal to an attached container (podman's --sig-proxy).</summary>
    public void ProxySignal(string id, int signal)
    {
        try
        {
            Runtime.KillAsync(id, signal).GetAwaiter().GetResult();
        }
        catch (SkiffException)
        {
        }
    }

    public Task<IReadOnlyList<ContainerOpReport>> StopAsync(IReadOnlyList<string> names, uint? timeout, CancellationToken cancellationToken = default) =>
        ForEachAsync(names, async name =>
        {
            ContainerInfo info = Runtime.Get(name);
            await Runtime.StopAsync(info.Record.Id, timeout, cancellationToken).ConfigureAwait(false);
            if (info.Definition.AutoRemove)
            {
                await Runtime.CleanupAsync(info.Record.Id, remove: false, cancellationToken).ConfigureAwait(false);
            }
            return info.Record.Id;
        });

    public Task<IReadOnlyList<ContainerOpReport>> RestartAsync(IReadOnlyList<string> names, uint? timeout, CancellationToken cancellationToken = default) =>
        ForEachAsync(names, async name =>
        {
            ContainerInfo info = Runtime.Get(name);
            await Runtime.StopAsync(info.Record.Id, timeout, cancellationToken).ConfigureAwait(false);
            await Runtime.StartAsync(info.Record.Id, cancellationToken).ConfigureAwait(false);
            Runtime.Events.Container("restart", info.Definition);
            return info.Record.Id;
        });

    public Task<IReadOnlyList<ContainerOpReport>> KillAsync(IReadOnlyList<string> names, string signal, CancellationToken cancellationToken = default)
    {
        int number = Signals.Parse(signal) ?? throw new RuntimeException($"invalid signal: {signal}");
        return ForEachAsync(names, async name =>
        {
            ContainerInfo info = Runtime.Get(name);
            await Runtime.KillAsync(info.Record.Id, number, cancellationToken).ConfigureAwait(false);
            return info.Record.Id;
        });
    }

    public Task<IReadOnlyList<ContainerOpReport>> PauseAsync(IReadOnlyList<string> names, bool pause, CancellationToken cancellationToken = default) =>
        ForEachAsync(names, async name =>
        {
            ContainerInfo info = Runtime.Get(name);
            await Runtime.PauseAsync(info.Record.Id, pause, cancellationToken).ConfigureAwait(false);
            return info.Record.Id;
        });

    public async Task<IReadOnlyList<ContainerOpReport>> RemoveAsync(ContainerRemoveOptions options, CancellationToken cancellationToken = default)
    {
        IEnumerable<string> names = options.All ? Runtime.List().Select(c => c.Record.Id).ToList() : options.Names;
        var reports = new List<ContainerOpReport>();
        foreach (string name in names)
        {
            try
            {
                ContainerInfo info = Runtime.Get(name);
                await Runtime.RemoveAsync(info.Record.Id, options.Force, options.Timeout, options.Volumes, cancellationToken).ConfigureAwait(false);
                reports.Add(new ContainerOpReport(name, info.Record.Id, null));
            }
            catch (NoSuchContainerException) when (options.Ignore)
            {
            }
            catch (SkiffException e)
            {
                reports.Add(new ContainerOpReport(name, "", e));
            }
        }
        return reports;
    }

    public Task<int> WaitAsync(string nameOrId, CancellationToken cancellationToken = default) => Runtime.WaitAsync(nameOrId, cancellationToken);

    public Task CleanupAsync(string nameOrId, bool remove, CancellationToken cancellationToken = default) =>
        Runtime.CleanupAsync(nameOrId, remove, cancellationToken);

    public async Task RenameAsync(string nameOrId, string newName, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        if (!System.Text.RegularExpressions.Regex.IsMatch(newName, "^[a-zA-Z0-9][a-zA-Z0-9_.-]*$"))
        {
            throw new RuntimeException($"names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
        }
        try
        {
            await _store.SetContainerNamesAsync(info.Record.Id, [newName], cancellationToken).ConfigureAwait(false);
        }
        catch (Skiff.Storage.NameInUseException e)
        {
            throw new RuntimeException(e.Message, e);
        }
        await Runtime.UpdateDefinitionAsync(info.Definition with { Name = newName }, cancellationToken).ConfigureAwait(false);
        Runtime.Events.Container("rename", info.Definition with { Name = newName });
    }

    /// <summary>ps: containers after -a/-l and --filter (name, id, status, label, ancestor, exited).</summary>
    public IReadOnlyList<ContainerInfo> List(ContainerListOptions options)
    {
        IEnumerable<ContainerInfo> all = Runtime.List().OrderByDescending(c => c.Definition.Created);
        if (options.Latest)
        {
            return all.Take(1).ToList();
        }
        var filters = options.Filters.Select(f =>
        {
            string[] kv = f.Split('=', 2);
            if (kv.Length != 2)
            {
                throw new RuntimeException($"invalid filter \"{f}\": filter must be key=value");
            }
            return (Key: kv[0], Value: kv[1]);
        }).ToList();
        bool statusFilter = filters.Exists(f => f.Key == "status");
        return all.Where(c => (options.All || statusFilter || c.Status.State is ContainerState.Running or ContainerState.Paused)
            && filters.GroupBy(f => f.Key).All(g => g.Any(f => Matches(c, f.Key, f.Value)))).ToList();
    }

    private bool Matches(ContainerInfo c, string key, string value) => key switch
    {
        "name" => c.Definition.Name.Contains(value, StringComparison.Ordinal) || System.Text.RegularExpressions.Regex.IsMatch(c.Definition.Name, value),
        "id" => c.Record.Id.StartsWith(value, StringComparison.Ordinal),
        "status" => StatusWord(c.Status) == value,
        "exited" => c.Status.State == ContainerState.Exited && c.Status.ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture) == value,
        "label" => value.Split('=', 2) is { } kv && c.Definition.Labels.TryGetValue(kv[0], out string? v) && (kv.Length == 1 || v == kv[1]),
        "ancestor" => c.Definition.ImageName == value || c.Definition.ImageId?.StartsWith(value, StringComparison.Ordinal) == true
            || _store.FindImage(value)?.Id == c.Definition.ImageId,
        "volume" => c.Definition.Mounts.Exists(m => m.Source == value || m.Destination == value),
        "network" => c.Definition.NetworkMode == value,
        _ => throw new RuntimeException($"{key} is an invalid filter"),
    };

    /// <summary>podman's status words for filters and inspect: created, running, paused, exited, stopped.</summary>
    public static string StatusWord(ContainerStatus status) => status.State switch
    {
        ContainerState.Configured => "created",
        ContainerState.Created when status.Pid == 0 => "created",
        _ => status.State.ToString().ToLowerInvariant(),
    };
}
