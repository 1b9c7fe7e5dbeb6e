using Skiff.Image;
using Skiff.Runtime;
using Skiff.Storage;

namespace Skiff.Engine.Containers;

/// <summary>
/// Podman's container commands over the local store and the runtime: each method is one command's behaviour,
/// taking an options record and returning a report the CLI renders.
/// </summary>
public sealed partial class ContainerEngine
{
    private readonly Store _store;
    private readonly TimeProvider _time;

    public ContainerEngine(Store store, RuntimeOptions? options = null, TimeProvider? time = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
        Skiff.Interop.Signals.UnblockChildSignal();
        Runtime = new ContainerRuntime(store, options ?? new RuntimeOptions { RunRoot = store.Options.RunRoot }, _time);
    }

    public ContainerRuntime Runtime { get; }
    public Store Store => _store;

    public ContainerInfo Get(string nameOrId) => Runtime.Get(nameOrId);

    public bool Exists(string nameOrId) => Runtime.Find(nameOrId) is not null;

    /// <summary>The latest created container (-l).</summary>
    public ContainerInfo Latest() =>
        Runtime.List().OrderByDescending(c => c.Definition.Created).FirstOrDefault()
        ?? throw new RuntimeException("no containers to use as the latest: no such container");

    private ImageRecord ResolveImage(string nameOrId, string? pull)
    {
        // The pull policy was applied by the caller (it holds the registry access); here the image must be stored.
        _ = pull;
        return _store.FindImage(nameOrId) ?? throw new ImageNotFoundException($"{nameOrId}: image not known");
    }

    /// <summary>Runs a per-container action over several names, collecting errors as podman does.</summary>
    private static async Task<IReadOnlyList<ContainerOpReport>> ForEachAsync(IEnumerable<string> names, Func<string, Task<string>> action)
    {
        var reports = new List<ContainerOpReport>();
        foreach (string name in names)
        {
            try
            {
                string id = await action(name).ConfigureAwait(false);
                reports.Add(new ContainerOpReport(name, id, null));
            }
            catch (SkiffException e)
            {
                reports.Add(new ContainerOpReport(name, "", e));
            }
        }
        return reports;
    }
}
