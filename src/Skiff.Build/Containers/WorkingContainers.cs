using System.Text;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;
using Skiff.Storage.StorageTransport;
using Skiff.Transports;
using Skiff.Transports.Copy;

namespace Skiff.Build.Containers;

/// <summary>How <c>buildah from</c> makes a working container.</summary>
public sealed record FromRequest
{
    /// <summary>An image name or id in the store, <c>scratch</c>, or <c>transport:reference</c>.</summary>
    public required string Image { get; init; }
    public string? Name { get; init; }

    /// <summary>missing (default), always, never; true/false as Buildah accepts them.</summary>
    public string Pull { get; init; } = "missing";

    /// <summary>How <c>run</c> isolates commands: oci (runc) or chroot.</summary>
    public string Isolation { get; init; } = "oci";
    public IProgress<CopyProgress>? Progress { get; init; }
}

/// <summary>
/// Buildah's working containers on the store: each is a store container whose metadata holds the builder state.
/// </summary>
public sealed partial class WorkingContainers
{
    public const string Scratch = "scratch";

    private readonly Store _store;
    private readonly TimeProvider _time;
    private ContainersStorageTransport? _storageTransport;

    public WorkingContainers(Store store, TimeProvider? time = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
    }

    public Store Store => _store;

    /// <summary>Registry pull and push, when the caller provides them; without, docker:// and pulls are refused.</summary>
    public RegistryHooks? Registry { get; init; }

    internal ContainersStorageTransport StorageTransport => _storageTransport ??= new ContainersStorageTransport(_store);

    /// <summary>Every working container (store containers with builder state), oldest first.</summary>
    public IReadOnlyList<Builder> List() =>
        _store.ListContainers()
            .Select(c => BuilderState.TryParse(c.Metadata) is { } s ? new Builder(c, s) : null)
            .OfType<Builder>()
            .OrderBy(b => b.Record.Created)
            .ToList();

    public Builder? Find(string nameOrId)
    {
        ContainerRecord? record = _store.FindContainer(nameOrId);
        return record is not null && BuilderState.TryParse(record.Metadata) is { } state ? new Builder(record, state) : null;
    }

    /// <summary>The working container, or Buildah's error for an unknown one.</summary>
    public Builder Open(string nameOrId) =>
        Find(nameOrId) ?? throw new BuilderNotFoundException($"reading build container \"{nameOrId}\": container not known");

    public async Task<Builder> FromAsync(FromRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ImageRecord? image = null;
        string prefix = "";
        if (request.Image != Scratch)
        {
            (image, prefix) = await ResolveBaseAsync(request, cancellationToken).ConfigureAwait(false);
        }

        ImageConfig config;
        string fromImage = "";
        string fromDigest = "";
        if (image is null)
        {
            config = new ImageConfig { Architecture = Platform.Current.Architecture, Os = Platform.Current.Os, Variant = Platform.Current.Variant };
        }
        else
        {
            config = ImageConfig.Parse(_store.ReadImageConfig(image));
            fromImage = image.Names.FirstOrDefault() ?? "";
            fromDigest = image.ManifestDigest.ToString();
        }

        string name = request.Name ?? UniqueName(prefix.Length == 0 ? "working-container" : prefix + "-working-container");
        var state = new BuilderState
        {
            FromImage = fromImage,
            FromImageId = image?.Id ?? "",
            FromImageDigest = fromDigest,
            Container = name,
            Config = Encoding.UTF8.GetString(config.ToJson()),
            ImageAnnotations = new Dictionary<string, string>
            {
                ["org.opencontainers.image.base.digest"] = fromDigest,
                ["org.opencontainers.image.base.name"] = fromImage,
            },
            Isolation = request.Isolation,
            Created = _time.GetUtcNow(),
        };
        state = WithDockerFields(state, config);
        ContainerRecord record = await _store.CreateContainerAsync(image?.Id, name, state.ToJson(), cancellationToken).ConfigureAwait(false);
        state = state with { ContainerId = record.Id };
        await _store.SetContainerMetadataAsync(record.Id, state.ToJson(), cancellationToken).ConfigureAwait(false);
        return new Builder(record with { Metadata = state.ToJson() }, state);
    }

    /// <summary>A Docker-format base's Shell, OnBuild and Healthcheck become the builder's, so commits keep them.</summary>
    private static BuilderState WithDockerFields(BuilderState state, ImageConfig config)
    {
        if (config.Config?.Extra is not { } extra)
        {
            return state;
        }
        static List<string>? Strings(System.Text.Json.JsonElement e) =>
            e.ValueKind == System.Text.Json.JsonValueKind.Array ? e.EnumerateArray().Select(x => x.GetString() ?? "").ToList() : null;
        if (extra.TryGetValue("Shell", out System.Text.Json.JsonElement shell))
        {
            state = state with { Shell = Strings(shell) };
        }
        if (extra.TryGetValue("OnBuild", out System.Text.Json.JsonElement onBuild))
        {
            state = state with { OnBuild = Strings(onBuild) };
        }
        if (extra.TryGetValue("Healthcheck", out System.Text.Json.JsonElement health) && health.ValueKind == System.Text.Json.JsonValueKind.Object)
        {
            state = state with { Healthcheck = health.Clone() };
        }
        return state;
    }

    /// <summary>The first free name of <c>NAME</c>, <c>NAME-1</c>, <c>NAME-2</c>, ... as Buildah numbers them.</summary>
    private string UniqueName(string name)
    {
        string candidate = name;
        for (int suffix = 1; _store.FindContainer(candidate) is { } holder && holder.Names.Contains(candidate); suffix++)
        {
            candidate = $"{name}-{suffix}";
        }
        return candidate;
    }

    /// <summary>Buildah's container name prefix: the last path component of the image name, without tag or digest.</summary>
    internal static string NamePrefix(string imageName)
    {
        string prefix = imageName.Split(':')[0];
        prefix = prefix.Split('/')[^1];
        return prefix.Split('@')[0];
    }

    private async Task<(ImageRecord Image, string Prefix)> ResolveBaseAsync(FromRequest request, CancellationToken cancellationToken)
    {
        string pull = request.Pull.ToLowerInvariant() switch
        {
            "true" or "" => "missing",
            "false" => "never",
            "missing" or "always" or "never" or "ifmissing" or "ifnewer" or "newer" => request.Pull.ToLowerInvariant(),
            _ => throw new BuildException($"invalid pull policy \"{request.Pull}\": choose always, missing, never or newer"),
        };
        TransportRegistry registry = TransportRegistry.CreateWithFileTransports();
        int colon = request.Image.IndexOf(':');
        if (colon > 0 && registry.Get(request.Image[..colon]) is not null)
        {
            return await CopyIntoStoreAsync(registry.ParseImageName(request.Image), request.Progress, cancellationToken).ConfigureAwait(false);
        }
        string local = request.Image.StartsWith("containers-storage:", StringComparison.Ordinal)
            ? request.Image["containers-storage:".Length..]
            : request.Image;
        if (local.StartsWith("docker://", StringComparison.Ordinal) || (pull == "always" && Registry is not null))
        {
            return (await PullAsync(local, request.Progress, cancellationToken).ConfigureAwait(false), NamePrefix(local.StartsWith("docker://", StringComparison.Ordinal) ? local[9..] : local));
        }
        ImageRecord? image = _store.FindImage(local);
        if (image is null && pull != "never" && Registry is not null)
        {
            return (await PullAsync(local, request.Progress, cancellationToken).ConfigureAwait(false), NamePrefix(local));
        }
        if (image is null)
        {
            throw pull == "never"
                ? new ImageNotFoundException($"{local}: image not known")
                : new ImageNotFoundException($"{local}: image not known, and pulling from registries is not available: use a transport such as oci:, docker-archive: or oci-archive:");
        }
        return (image, NamePrefix(local));
    }

    private async Task<ImageRecord> PullAsync(string name, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        if (Registry is null)
        {
            throw new BuildException($"pulling \"{name}\": no registry access in this context");
        }
        string id = await Registry.PullAsync(name, progress, cancellationToken).ConfigureAwait(false);
        return _store.FindImage(id) ?? throw new ImageNotFoundException($"{name}: image not known after pulling it");
    }

    private async Task<(ImageRecord Image, string Prefix)> CopyIntoStoreAsync(IImageReference source, IProgress<CopyProgress>? progress, CancellationToken cancellationToken)
    {
        Reference? name = source.DockerReference;
        string? id = name is null ? await ConfigIdOfAsync(source, cancellationToken).ConfigureAwait(false) : null;
        CopyResult result = await new ImageCopier()
            .CopyAsync(source, StorageTransport.NewReference(name, id), new CopyOptions { Progress = progress }, cancellationToken)
            .ConfigureAwait(false);
        ImageRecord image = _store.FindImage(result.ConfigDigest.Encoded)
            ?? throw new ImageNotFoundException($"{TransportRegistry.Format(source)}: image not known after copying it into storage");
        return (image, name is null ? "" : NamePrefix(name.Path));
    }

    private static async Task<string> ConfigIdOfAsync(IImageReference reference, CancellationToken cancellationToken)
    {
        await using IImageSource source = await reference.OpenSourceAsync(cancellationToken).ConfigureAwait(false);
        ManifestBlob top = await source.GetManifestAsync(null, cancellationToken).ConfigureAwait(false);
        if (MediaTypes.IsIndex(top.MediaType))
        {
            Descriptor chosen = ImageIndex.Parse(top.Bytes).Select(Platform.Current)
                ?? throw new ImageNotFoundException($"no image for {Platform.Current} in {TransportRegistry.Format(reference)}");
            top = await source.GetManifestAsync(chosen.Digest, cancellationToken).ConfigureAwait(false);
        }
        return ImageManifest.Parse(top.Bytes).Config.Digest.Encoded;
    }

    /// <summary>Writes the builder's state back to the store.</summary>
    public async Task SaveAsync(Builder builder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string json = builder.State.ToJson();
        await _store.SetContainerMetadataAsync(builder.Id, json, cancellationToken).ConfigureAwait(false);
        builder.Record = builder.Record with { Metadata = json };
    }

    public Task<string> MountAsync(Builder builder, CancellationToken cancellationToken = default) =>
        _store.MountContainerAsync(builder.Id, cancellationToken);

    public Task UnmountAsync(Builder builder, CancellationToken cancellationToken = default) =>
        _store.UnmountContainerAsync(builder.Id, force: true, cancellationToken);

    public bool IsMounted(Builder builder) => _store.IsContainerMounted(builder.Id);

    public Task DeleteAsync(Builder builder, CancellationToken cancellationToken = default) =>
        _store.DeleteContainerAsync(builder.Id, cancellationToken);
}
