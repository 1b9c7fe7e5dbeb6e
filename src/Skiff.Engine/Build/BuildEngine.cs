using System.Text;
using System.Text.Json.Nodes;
using Skiff.Build;
using Skiff.Build.Containers;
using Skiff.Build.Copy;
using Skiff.Engine.Images;
using Skiff.Image;
using Skiff.Storage;

namespace Skiff.Engine.Build;

/// <summary>
/// Buildah's working-container commands over the local store: each method is one command's behaviour; the
/// builder logic itself lives in Skiff.Build.
/// </summary>
public sealed class BuildEngine
{
    private readonly Store _store;
    private readonly WorkingContainers _containers;

    public BuildEngine(Store store, TimeProvider? time = null, RegistryHooks? registry = null)
    {
        _store = store;
        _containers = new WorkingContainers(store, time) { Registry = registry };
    }

    /// <summary>Pull and push through the image engine's registry client with the given access flags.</summary>
    public static RegistryHooks RegistryHooksFor(ImageEngine images, RegistryAccess access)
    {
        ArgumentNullException.ThrowIfNull(images);
        return new RegistryHooks
        {
            PullAsync = async (name, progress, ct) =>
                (await images.PullAsync(new PullOptions { Name = name, Access = access, Progress = progress }, ct).ConfigureAwait(false)).ImageIds[0],
            PushAsync = async (id, destination, format, progress, ct) =>
                (await images.PushAsync(new PushOptions
                {
                    Source = id,
                    Destination = destination,
                    Access = access,
                    Format = format == "docker" ? "v2s2" : "oci",
                    Progress = progress,
                }, ct).ConfigureAwait(false)).ManifestDigest,
        };
    }

    public WorkingContainers Containers => _containers;

    public Task<Builder> FromAsync(FromRequest request, CancellationToken cancellationToken = default) =>
        _containers.FromAsync(request, cancellationToken);

    public Builder Open(string nameOrId) => _containers.Open(nameOrId);

    public Task<string> MountAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        _containers.MountAsync(Open(nameOrId), cancellationToken);

    public Task UnmountAsync(string nameOrId, CancellationToken cancellationToken = default) =>
        _containers.UnmountAsync(Open(nameOrId), cancellationToken);

    /// <summary>Working containers whose root is mounted now, with the mount point.</summary>
    public async Task<IReadOnlyList<MountedContainer>> ListMountedAsync(CancellationToken cancellationToken = default)
    {
        var result = new List<MountedContainer>();
        foreach (Builder b in _containers.List())
        {
            if (_containers.IsMounted(b))
            {
                // Mounting an already mounted container only reports its path; take the extra reference back.
                string path = await _containers.MountAsync(b, cancellationToken).ConfigureAwait(false);
                await _store.UnmountContainerAsync(b.Id, force: false, cancellationToken).ConfigureAwait(false);
                result.Add(new MountedContainer(b.Name, path));
            }
        }
        return result;
    }

    public Task CopyAsync(string nameOrId, AddCopyRequest request, string? from = null, CancellationToken cancellationToken = default) =>
        _containers.CopyAsync(Open(nameOrId), request, from, cancellationToken);

    public Task ConfigAsync(string nameOrId, ConfigEdit edit, CancellationToken cancellationToken = default) =>
        _containers.ConfigureAsync(Open(nameOrId), edit, cancellationToken);

    public Task<CommitResult> CommitAsync(string nameOrId, CommitRequest request, CancellationToken cancellationToken = default) =>
        _containers.CommitAsync(Open(nameOrId), request, cancellationToken);

    /// <summary>buildah rm: the named working containers, or all of them; returns the removed ids.</summary>
    public async Task<IReadOnlyList<string>> RemoveAsync(IReadOnlyList<string> names, bool all, CancellationToken cancellationToken = default)
    {
        IEnumerable<Builder> targets = all ? _containers.List() : names.Select(Open).ToList();
        var removed = new List<string>();
        foreach (Builder b in targets)
        {
            await _containers.DeleteAsync(b, cancellationToken).ConfigureAwait(false);
            removed.Add(b.Id);
        }
        return removed;
    }

    /// <summary>buildah containers: working containers, or with <paramref name="all"/> every container in the store.</summary>
    public IReadOnlyList<WorkingContainerSummary> List(bool all)
    {
        var names = new Dictionary<string, string>(StringComparer.Ordinal);
        string ImageName(string? id)
        {
            if (string.IsNullOrEmpty(id))
            {
                return WorkingContainers.Scratch;
            }
            if (!names.TryGetValue(id, out string? name))
            {
                name = _store.FindImage(id)?.Names.FirstOrDefault() ?? "";
                names[id] = name;
            }
            return name;
        }
        var builders = _containers.List();
        if (!all)
        {
            return builders.Select(b => new WorkingContainerSummary(b.Id, true, b.Record.ImageId ?? "", ImageName(b.Record.ImageId), b.Name)).ToList();
        }
        var ours = builders.Select(b => b.Id).ToHashSet(StringComparer.Ordinal);
        return _store.ListContainers()
            .OrderBy(c => c.Created)
            .Select(c => new WorkingContainerSummary(c.Id, ours.Contains(c.Id), c.ImageId ?? "", ImageName(c.ImageId), c.Names.FirstOrDefault() ?? ""))
            .ToList();
    }

    /// <summary>buildah inspect of a working container: Buildah's builder JSON (its main fields).</summary>
    public JsonObject InspectContainer(string nameOrId)
    {
        Builder b = Open(nameOrId);
        string mountPoint = _containers.IsMounted(b) ? MountPointOf(b) : "";
        return BuilderJson(b.State, b.State.Config, "", b.Name, b.Id, mountPoint);
    }

    /// <summary>buildah inspect --type image: the builder JSON Buildah shows for an image.</summary>
    public JsonObject InspectImage(string nameOrId)
    {
        ImageRecord image = _store.FindImage(nameOrId) ?? throw new ImageNotFoundException($"{nameOrId}: image not known");
        string config = Encoding.UTF8.GetString(_store.ReadImageConfig(image));
        string manifest = Encoding.UTF8.GetString(_store.ReadImageManifest(image).Bytes);
        var state = new BuilderState
        {
            FromImage = image.Names.FirstOrDefault() ?? "",
            FromImageId = image.Id,
            FromImageDigest = image.ManifestDigest.ToString(),
            Config = config,
        };
        JsonObject json = BuilderJson(state, config, manifest, "", "", "");
        if (JsonNode.Parse(manifest)?["annotations"] is JsonObject annotations)
        {
            json["ImageAnnotations"] = annotations.DeepClone();
        }
        return json;
    }

    private string MountPointOf(Builder b) =>
        _store.Options.Driver == "vfs" ? _store.LayerDiffPath(b.Record.LayerId) : Path.Combine(Path.GetDirectoryName(_store.LayerDiffPath(b.Record.LayerId))!, "merged");

    private static JsonObject BuilderJson(BuilderState state, string configJson, string manifestJson, string container, string containerId, string mountPoint)
    {
        JsonNode? config = JsonNode.Parse(configJson);
        var annotations = new JsonObject();
        foreach ((string k, string v) in state.ImageAnnotations.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            annotations[k] = v;
        }
        return new JsonObject
        {
            ["Type"] = BuilderState.TypeValue,
            ["FromImage"] = state.FromImage,
            ["FromImageID"] = state.FromImageId,
            ["FromImageDigest"] = state.FromImageDigest,
            ["Config"] = containerId.Length > 0 ? "" : configJson,
            ["Manifest"] = manifestJson,
            ["Container"] = container,
            ["ContainerID"] = containerId,
            ["MountPoint"] = mountPoint,
            ["ProcessLabel"] = "",
            ["MountLabel"] = "",
            ["ImageAnnotations"] = annotations,
            ["ImageCreatedBy"] = state.ImageCreatedBy,
            ["OCIv1"] = config?.DeepClone(),
            ["Docker"] = config?.DeepClone(),
            ["DefaultMountsFilePath"] = "",
            ["Isolation"] = state.Isolation,
            ["Capabilities"] = new JsonArray(DefaultCapabilities.Select(c => (JsonNode?)JsonValue.Create(c)).ToArray()),
            ["ConfigureNetwork"] = "NetworkDefault",
            ["History"] = null,
            ["Devices"] = new JsonArray(),
        };
    }

    /// <summary>containers.conf's default capability set (what `buildah run` grants).</summary>
    public static readonly IReadOnlyList<string> DefaultCapabilities =
    [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_NET_BIND_SERVICE",
        "CAP_SETFCAP", "CAP_SETGID", "CAP_SETPCAP", "CAP_SETUID", "CAP_SYS_CHROOT",
    ];
}
