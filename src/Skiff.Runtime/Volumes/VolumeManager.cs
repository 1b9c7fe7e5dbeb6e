using System.Text.Json;
using System.Text.Json.Serialization;
using Skiff.Interop;

namespace Skiff.Runtime.Volumes;

/// <summary>A local named volume: a directory under GRAPHROOT/volumes/NAME/_data.</summary>
public sealed record VolumeRecord
{
    public required string Name { get; init; }
    public string Driver { get; init; } = "local";
    public required string Mountpoint { get; init; }
    public DateTimeOffset CreatedAt { get; init; }
    public Dictionary<string, string> Labels { get; init; } = [];
    public Dictionary<string, string> Options { get; init; } = [];
    public bool Anonymous { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true)]
[JsonSerializable(typeof(VolumeRecord))]
internal sealed partial class VolumeJsonContext : JsonSerializerContext;

/// <summary>Named volumes (podman volume create/ls/inspect/rm/prune), locked by one file beside them.</summary>
public sealed class VolumeManager
{
    private readonly string _root;
    private readonly Func<IEnumerable<ContainerDefinition>> _containers;

    public VolumeManager(string graphRoot, Func<IEnumerable<ContainerDefinition>> containers)
    {
        _root = Path.Combine(graphRoot, "volumes");
        _containers = containers;
    }

    private string Dir(string name) => Path.Combine(_root, name);

    public VolumeRecord? Find(string name)
    {
        if (!IsValidName(name))
        {
            return null;
        }
        try
        {
            return JsonSerializer.Deserialize(File.ReadAllBytes(Path.Combine(Dir(name), "volume.json")), VolumeJsonContext.Default.VolumeRecord);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or JsonException)
        {
            return null;
        }
    }

    public IReadOnlyList<VolumeRecord> List()
    {
        if (!Directory.Exists(_root))
        {
            return [];
        }
        return Directory.EnumerateDirectories(_root).Select(d => Find(Path.GetFileName(d))).OfType<VolumeRecord>().OrderBy(v => v.CreatedAt).ToList();
    }

    public static bool IsValidName(string name) =>
        name.Length > 0 && name.Length <= 255 && (char.IsAsciiLetterOrDigit(name[0])) && name.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '.' or '-');

    public Task<VolumeRecord> CreateAsync(string? name, IReadOnlyDictionary<string, string>? labels = null, bool ignoreExisting = false, bool anonymous = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        name ??= Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));
        if (!IsValidName(name))
        {
            throw new RuntimeException($"volume name {name} is invalid: names must match [a-zA-Z0-9][a-zA-Z0-9_.-]*: invalid argument");
        }
        using Lock l = Lock.Take(_root);
        if (Find(name) is { } existing)
        {
            return ignoreExisting ? Task.FromResult(existing) : throw new RuntimeException($"volume with name {name} already exists: volume already exists");
        }
        string dir = Dir(name);
        Directory.CreateDirectory(Path.Combine(dir, "_data"));
        var record = new VolumeRecord
        {
            Name = name,
            Mountpoint = Path.Combine(dir, "_data"),
            CreatedAt = DateTimeOffset.Now,
            Labels = labels is null ? [] : new Dictionary<string, string>(labels),
            Anonymous = anonymous,
        };
        string tmp = Path.Combine(dir, "volume.json.tmp");
        File.WriteAllBytes(tmp, JsonSerializer.SerializeToUtf8Bytes(record, VolumeJsonContext.Default.VolumeRecord));
        File.Move(tmp, Path.Combine(dir, "volume.json"), overwrite: true);
        return Task.FromResult(record);
    }

    public Task<VolumeRecord> GetOrCreateAsync(string name, CancellationToken cancellationToken = default) =>
        Find(name) is { } v ? Task.FromResult(v) : CreateAsync(name, ignoreExisting: true, cancellationToken: cancellationToken);

    /// <summary>Names of containers whose mounts use the volume.</summary>
    public IReadOnlyList<ContainerDefinition> Users(string name) =>
        _containers().Where(c => c.Mounts.Exists(m => m.Type == "volume" && m.Source == name)).ToList();

    public Task RemoveAsync(string name, bool force, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (Find(name) is null)
        {
            throw new RuntimeException($"no volume with name \"{name}\" found: no such volume");
        }
        IReadOnlyList<ContainerDefinition> users = Users(name);
        if (users.Count > 0 && !force)
        {
            throw new RuntimeException($"volume {name} is being used by the following container(s): {string.Join(", ", users.Select(u => u.Id))}: volume is being used");
        }
        using Lock l = Lock.Take(_root);
        string dir = Dir(name);
        string trash = dir + ".removing-" + Guid.NewGuid().ToString("N");
        Directory.Move(dir, trash);
        Directory.Delete(trash, recursive: true);
        return Task.CompletedTask;
    }

    private sealed class Lock : IDisposable
    {
        private readonly Microsoft.Win32.SafeHandles.SafeFileHandle _handle;

        private Lock(Microsoft.Win32.SafeHandles.SafeFileHandle handle) => _handle = handle;

        public static Lock Take(string root)
        {
            Directory.CreateDirectory(root);
            var handle = FileLock.OpenLockFile(Path.Combine(root, ".lock"));
            FileLock.Lock(handle, exclusive: true);
            return new Lock(handle);
        }

        public void Dispose() => _handle.Dispose();
    }
}
