using System.Text.Json;
using Skiff.Image;

namespace Skiff.Storage;

/// <summary>
/// The local store shared by every skiff process: layers, images and container layers, each with a JSON
/// index, one flock for metadata, writes as temp + fsync + rename. Long work (extraction) happens outside
/// the lock; only committing its result is inside.
/// </summary>
/// <remarks>
/// Thread-safe. Indexes are cached per instance and reloaded whenever the lock file's last-writer token shows
/// that another instance (or process) committed. Work under the lock is synchronous by design: holders never
/// wait on the thread pool, so blocked flock callers cannot starve them.
/// </remarks>
public sealed partial class Store : IDisposable
{
    private readonly StoreOptions _options;
    private readonly StorePaths _paths;
    private readonly StoreLock _lock;
    private byte[]? _token;
    private Indexes _state = new([], [], []);
    private bool _disposed;

    private Store(StoreOptions options, StorePaths paths, StoreLock storeLock)
    {
        _options = options;
        _paths = paths;
        _lock = storeLock;
    }

    /// <summary>Reads storage.conf from Podman's locations ($CONTAINERS_STORAGE_CONF, /etc/containers/storage.conf,
    /// /usr/share/containers/storage.conf), then applies the explicit overrides (command line flags).</summary>
    /// <remarks>graphroot and runroot are taken from the first two only: the vendor file under /usr/share is
    /// Podman's and names Podman's store, and Skiff keeps its own (/var/lib/skiff, /run/skiff) unless told.</remarks>
    public static StoreOptions LoadOptions(string? graphRoot = null, string? runRoot = null, string? driver = null) =>
        StorageConfig.Load(graphRoot, runRoot, driver);

    /// <summary>Opens (creating if needed) and removes leftovers of interrupted operations.</summary>
    public static Store Open(StoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        string graphRoot = Path.GetFullPath(options.GraphRoot);
        string runRoot = Path.GetFullPath(options.RunRoot);
        Directory.CreateDirectory(graphRoot);
        Directory.CreateDirectory(runRoot);
        string driver = ChooseDriver(graphRoot, options.Driver);
        var paths = new StorePaths(graphRoot, runRoot, driver);
        foreach (string dir in (string[])[paths.Tmp, paths.LayersDir, paths.TarSplitDir, paths.ImagesDir, paths.ContainersDir, paths.MountsDir, paths.RunContainersDir])
        {
            Directory.CreateDirectory(dir);
        }
        var store = new Store(options with { GraphRoot = graphRoot, RunRoot = runRoot, Driver = driver }, paths, new StoreLock(paths.LockFile));
        try
        {
            store.Recover();
        }
        catch
        {
            store.Dispose();
            throw;
        }
        return store;
    }

    public StoreOptions Options => _options;

    /// <summary>Test hook: called at named points of a write ("moved", "committed"); throwing there stands in for kill -9.</summary>
    internal Action<string>? CrashPoint { get; set; }

    public IReadOnlyList<ImageRecord> ListImages() => Read(s => s.Images.Select(Detached).ToArray());
    public IReadOnlyList<LayerRecord> ListLayers() => Read(s => s.Layers.ToArray());
    public IReadOnlyList<ContainerRecord> ListContainers() => Read(s => s.Containers.Select(Detached).ToArray());

    /// <summary>The directory where the engine keeps a container's persistent files (config, logs).</summary>
    public string GetContainerDirectory(string containerId) => Path.Combine(_paths.ContainerDir(containerId), "userdata");

    /// <summary>The directory where the engine keeps a container's run-time files (pid, exit, sockets).</summary>
    public string GetContainerRunDirectory(string containerId) => Path.Combine(_paths.RunContainerDir(containerId), "userdata");

    // Records are immutable except for their name lists; callers get their own lists so the cache stays intact.
    private static ImageRecord Detached(ImageRecord r) => r with { Names = [.. r.Names], RepoDigests = [.. r.RepoDigests] };

    private static ContainerRecord Detached(ContainerRecord r) => r with { Names = [.. r.Names] };

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _lock.Dispose();
        }
    }

    /// <summary>Runs <paramref name="read"/> on current indexes under the shared lock.</summary>
    private T Read<T>(Func<Indexes, T> read)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        using StoreLock.Lease lease = _lock.Acquire(exclusive: false);
        Refresh();
        return read(_state);
    }

    /// <summary>
    /// Runs <paramref name="change"/> on a copy of the indexes under the exclusive lock and commits what changed.
    /// If it throws, nothing is committed. Directories it asks to remove are moved to tmp/ after the commit
    /// and deleted after the lock is released.
    /// </summary>
    private T Write<T>(Func<Transaction, T> change)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var trash = new List<string>();
        T result;
        using (StoreLock.Lease lease = _lock.Acquire(exclusive: true))
        {
            Refresh();
            var tx = new Transaction(_state.Copy());
            result = change(tx);
            if (tx.Changed(_state))
            {
                Commit(tx.State);
            }
            CrashPoint?.Invoke("committed");
            foreach (string path in tx.Removals)
            {
                string? moved = MoveToTrash(path);
                if (moved is not null)
                {
                    trash.Add(moved);
                }
            }
            foreach (string dir in tx.Recreations)
            {
                Directory.CreateDirectory(dir);
            }
        }
        foreach (string path in trash)
        {
            FileSystem.DeleteTree(path);
        }
        return result;
    }

    private void Refresh()
    {
        byte[] token = _lock.ReadToken();
        if (_token is not null && token.AsSpan().SequenceEqual(_token))
        {
            return;
        }
        _state = new Indexes(
            Load(_paths.LayersJson, StorageJsonContext.Default.ListLayerRecord),
            Load(_paths.ImagesJson, StorageJsonContext.Default.ListImageRecord),
            Load(_paths.ContainersJson, StorageJsonContext.Default.ListContainerRecord));
        _token = token;
    }

    private static List<T> Load<T>(string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<List<T>> typeInfo)
        where T : class
    {
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (FileNotFoundException)
        {
            return [];
        }
        try
        {
            return JsonSerializer.Deserialize(bytes, typeInfo) ?? [];
        }
        catch (JsonException e)
        {
            throw new StorageException($"reading {path}: {e.Message}", e);
        }
    }

    private void Commit(Indexes next)
    {
        // The token goes first: if we die half-way, other instances still reload what did get written.
        _token = _lock.WriteNewToken();
        bool layersShrank = _state.Layers.Any(l => !next.Layers.Contains(l, ReferenceEqualityComparer.Instance));
        // Write what others point to before what points to it when adding, and the reverse when removing, so
        // that a crash between two files leaves at worst an unreferenced layer, never a dangling reference.
        Action[] writes =
        [
            () => WriteIfChanged(_state.Layers, next.Layers, _paths.LayersJson, StorageJsonContext.Default.ListLayerRecord),
            () => WriteIfChanged(_state.Images, next.Images, _paths.ImagesJson, StorageJsonContext.Default.ListImageRecord),
            () => WriteIfChanged(_state.Containers, next.Containers, _paths.ContainersJson, StorageJsonContext.Default.ListContainerRecord),
        ];
        if (layersShrank)
        {
            Array.Reverse(writes);
        }
        try
        {
            foreach (Action write in writes)
            {
                write();
            }
        }
        catch
        {
            // Disk state is unknown now; force a reload on next use.
            _token = null;
            throw;
        }
        _state = next;
    }

    private static void WriteIfChanged<T>(List<T> before, List<T> after, string path, System.Text.Json.Serialization.Metadata.JsonTypeInfo<List<T>> typeInfo)
        where T : class
    {
        if (before.SequenceEqual(after, ReferenceEqualityComparer.Instance!))
        {
            return;
        }
        FileSystem.WriteAtomic(path, JsonSerializer.SerializeToUtf8Bytes(after, typeInfo));
    }

    /// <summary>Renames a directory or file into tmp/ so it vanishes at once; the slow delete follows unlocked.</summary>
    private string? MoveToTrash(string path)
    {
        string target = Path.Combine(_paths.Tmp, "trash-" + FileSystem.RandomId()[..24]);
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Move(path, target);
                return target;
            }
            if (File.Exists(path))
            {
                File.Move(path, target);
                return target;
            }
        }
        catch (IOException)
        {
            FileSystem.DeleteTree(path);
        }
        return null;
    }

    /// <summary>The three indexes, treated as immutable lists of immutable records; changes work on a clone.</summary>
    private sealed record Indexes(List<LayerRecord> Layers, List<ImageRecord> Images, List<ContainerRecord> Containers)
    {
        public Indexes Copy() => new([.. Layers], [.. Images], [.. Containers]);
    }

    private sealed class Transaction(Indexes state)
    {
        public Indexes State { get; } = state;
        public List<string> Removals { get; } = [];
        public List<string> Recreations { get; } = [];

        /// <summary>Removes <paramref name="path"/> once the commit is written.</summary>
        public void RemoveAfterCommit(string path) => Removals.Add(path);

        /// <summary>Creates <paramref name="dir"/> (empty) after the removals, still under the lock.</summary>
        public void RecreateAfterCommit(string dir) => Recreations.Add(dir);

        public bool Changed(Indexes before) =>
            !before.Layers.SequenceEqual(State.Layers, ReferenceEqualityComparer.Instance!)
            || !before.Images.SequenceEqual(State.Images, ReferenceEqualityComparer.Instance!)
            || !before.Containers.SequenceEqual(State.Containers, ReferenceEqualityComparer.Instance!);
    }
}
