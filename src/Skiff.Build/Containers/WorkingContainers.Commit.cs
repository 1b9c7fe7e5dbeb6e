using System.IO.Pipelines;
using System.Text;
using System.Text.Json;
using Skiff.Archive;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;
using Skiff.Transports;
using Skiff.Transports.Copy;

namespace Skiff.Build.Containers;

/// <summary>How <c>buildah commit</c> makes an image of a working container.</summary>
public sealed record CommitRequest
{
    /// <summary>A local name (normalised as Podman does: <c>localhost/NAME:latest</c>), <c>transport:reference</c>, or null for no name.</summary>
    public string? Destination { get; init; }

    /// <summary>oci (default) or docker.</summary>
    public string Format { get; init; } = "oci";
    public bool Squash { get; init; }

    /// <summary>Remove the working container after the commit.</summary>
    public bool Remove { get; init; }
    public IProgress<CopyProgress>? Progress { get; init; }

    /// <summary>No new layer: only the config changed (Containerfile ENV, LABEL, ...); history marks it empty_layer.</summary>
    public bool EmptyLayer { get; init; }

    /// <summary>The history entry's created_by for this commit (a Containerfile step); default: Buildah's rule.</summary>
    public string? CreatedBy { get; init; }
}

/// <summary>What a commit made: the image id (config digest hex) and the manifest's digest.</summary>
public sealed record CommitResult(string ImageId, Digest ManifestDigest);

public sealed partial class WorkingContainers
{
    /// <summary>The version Buildah stamps into the <c>io.buildah.version</c> label; Skiff matches buildah 1.28.</summary>
    public const string BuildahVersion = "1.28.2";

    private const string BuildahVersionLabel = "io.buildah.version";

    public async Task<CommitResult> CommitAsync(Builder builder, CommitRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(request);
        bool docker = request.Format switch
        {
            "oci" or "" => false,
            "docker" or "dockerv2s2" or "v2s2" => true,
            _ => throw new BuildException($"unrecognized image type \"{request.Format}\": choose oci or docker"),
        };
        TransportRegistry registry = TransportRegistry.CreateWithFileTransports();
        IImageReference? external = null;
        string? push = null;
        Reference? localName = null;
        if (request.Destination is { Length: > 0 } dest)
        {
            int colon = dest.IndexOf(':');
            if (colon > 0 && registry.Get(dest[..colon]) is not null)
            {
                external = registry.ParseImageName(dest);
            }
            else if (dest.StartsWith("docker://", StringComparison.Ordinal))
            {
                push = Registry is not null ? dest
                    : throw new BuildException($"committing to \"{dest}\": no registry access in this context");
            }
            else
            {
                string local = dest.StartsWith("containers-storage:", StringComparison.Ordinal) ? dest["containers-storage:".Length..] : dest;
                localName = Reference.ParseLocal(local);
            }
        }

        ImageRecord? baseImage = builder.Record.ImageId is null ? null : _store.FindImage(builder.Record.ImageId);
        string? parent = request.Squash ? null : baseImage?.TopLayer;
        LayerRecord? layer = request.EmptyLayer && !request.Squash
            ? (parent is null ? null : _store.GetLayer(parent))
            : await WriteLayerAsync(builder, request.Squash, parent, cancellationToken).ConfigureAwait(false);
        List<LayerRecord> chain = layer is null ? [] : Chain(layer);

        DateTimeOffset now = _time.GetUtcNow();
        byte[] configBytes = MakeConfig(builder, chain, request, docker, now);
        Digest configDigest = Digest.Compute(configBytes);
        byte[] manifestBytes = MakeManifest(builder, chain, configDigest, configBytes.Length, docker);
        bool existed = _store.FindImage(configDigest.Encoded) is not null;
        ImageRecord image = await _store.PutImageAsync(new NewImage
        {
            ConfigBytes = configBytes,
            Manifest = new ManifestBlob(manifestBytes, docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest),
            TopLayer = layer?.Id,
            Names = localName is null ? [] : [localName.ToString()],
        }, cancellationToken).ConfigureAwait(false);

        Digest manifestDigest = Digest.Compute(manifestBytes);
        if (push is not null)
        {
            try
            {
                manifestDigest = await Registry!.PushAsync(image.Id, push, docker ? "docker" : "oci", request.Progress, cancellationToken).ConfigureAwait(false);
            }
            finally
            {
                if (!existed)
                {
                    await _store.DeleteImageAsync(image.Id, force: false, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        else if (external is not null)
        {
            try
            {
                CopyResult copied = await new ImageCopier().CopyAsync(StorageTransport.NewReference(null, image.Id), external,
                    new CopyOptions { Progress = request.Progress, ManifestMediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest },
                    cancellationToken).ConfigureAwait(false);
                manifestDigest = copied.ManifestDigest;
            }
            finally
            {
                // The store copy was only the source of the export; an image that was there before stays.
                if (!existed)
                {
                    await _store.DeleteImageAsync(image.Id, force: false, CancellationToken.None).ConfigureAwait(false);
                }
            }
        }
        else
        {
            request.Progress?.Report(new CopyProgress(CopyProgressKind.Config, $"Copying config {configDigest}", configDigest, configBytes.Length));
            request.Progress?.Report(new CopyProgress(CopyProgressKind.WritingManifest, "Writing manifest to image destination"));
        }
        if (request.Remove)
        {
            await DeleteAsync(builder, cancellationToken).ConfigureAwait(false);
        }
        return new CommitResult(image.Id, manifestDigest);
    }

    /// <summary>Stores the container's changes (or, squashed, its whole tree) as a layer, streaming the tar into the store.</summary>
    private async Task<LayerRecord> WriteLayerAsync(Builder builder, bool squash, string? parent, CancellationToken cancellationToken)
    {
        var pipe = new Pipe();
        Task<LayerRecord> put = Task.Run(async () =>
        {
            await using Stream input = pipe.Reader.AsStream();
            return await _store.PutLayerAsync(input, parent, null, null, cancellationToken).ConfigureAwait(false);
        }, cancellationToken);
        try
        {
            await using (Stream output = pipe.Writer.AsStream())
            {
                if (squash)
                {
                    string root = await _store.MountContainerAsync(builder.Id, cancellationToken).ConfigureAwait(false);
                    try
                    {
                        await LayerWriter.WriteDirectoryAsync(root, output, new LayerWriteOptions(), cancellationToken).ConfigureAwait(false);
                    }
                    finally
                    {
                        await _store.UnmountContainerAsync(builder.Id, force: false, CancellationToken.None).ConfigureAwait(false);
                    }
                }
                else
                {
                    await _store.WriteContainerDiffAsync(builder.Id, output, new LayerWriteOptions(), cancellationToken).ConfigureAwait(false);
                }
            }
        }
        catch (Exception e)
        {
            await pipe.Writer.CompleteAsync(e).ConfigureAwait(false);
            try
            {
                await put.ConfigureAwait(false);
            }
            catch (Exception)
            {
                // The writer's failure is the one to report.
            }
            throw;
        }
        return await put.ConfigureAwait(false);
    }

    private List<LayerRecord> Chain(LayerRecord top)
    {
        var chain = new List<LayerRecord>();
        for (LayerRecord? l = top; l is not null; l = l.Parent is null ? null : _store.GetLayer(l.Parent))
        {
            chain.Add(l);
        }
        chain.Reverse();
        return chain;
    }

    private static byte[] MakeConfig(Builder builder, List<LayerRecord> chain, CommitRequest request, bool docker, DateTimeOffset now)
    {
        bool squash = request.Squash;
        BuilderState state = builder.State;
        ImageConfig config = builder.Config;
        ContainerConfig c = config.Config ?? new ContainerConfig();
        var labels = new Dictionary<string, string>(c.Labels ?? [], StringComparer.Ordinal);
        labels.TryAdd(BuildahVersionLabel, BuildahVersion);
        c = c with { Labels = labels.OrderBy(kv => kv.Key, StringComparer.Ordinal).ToDictionary(StringComparer.Ordinal) };
        if (docker)
        {
            var extra = new Dictionary<string, JsonElement>(c.Extra ?? [], StringComparer.Ordinal);
            if (state.Shell is { } shell)
            {
                extra["Shell"] = JsonSerializer.SerializeToElement(shell, BuildJsonContext.Default.ListString);
            }
            if (state.OnBuild is { } onBuild)
            {
                extra["OnBuild"] = JsonSerializer.SerializeToElement(onBuild, BuildJsonContext.Default.ListString);
            }
            if (state.Healthcheck is { } health)
            {
                extra["Healthcheck"] = health;
            }
            c = c with { Extra = extra.Count == 0 ? null : extra };
        }

        string createdBy = request.CreatedBy is { Length: > 0 } step ? step
            : state.ImageCreatedBy.Length > 0 ? state.ImageCreatedBy
            : docker && state.Shell is { Count: > 0 } sh ? string.Join(' ', sh)
            : docker ? "/bin/sh -c"
            : "/bin/sh";
        var entry = new HistoryEntry
        {
            Created = now,
            CreatedBy = createdBy,
            Author = string.IsNullOrEmpty(config.Author) ? null : config.Author,
            Comment = state.HistoryComment.Length == 0 ? null : state.HistoryComment,
            EmptyLayer = request.EmptyLayer && !squash,
        };
        List<HistoryEntry> history = squash ? [entry] : [.. config.History ?? [], entry];
        var result = config with
        {
            Created = now,
            Config = c,
            RootFs = new RootFs { DiffIds = chain.Select(l => l.DiffId).ToList() },
            History = history,
        };
        if (docker && state.DockerComment is { Length: > 0 } comment)
        {
            result.Extra = new Dictionary<string, JsonElement>(result.Extra ?? [], StringComparer.Ordinal)
            {
                ["comment"] = JsonSerializer.SerializeToElement(comment, BuildJsonContext.Default.String),
            };
        }
        return result.ToJson();
    }

    private static byte[] MakeManifest(Builder builder, List<LayerRecord> chain, Digest configDigest, long configSize, bool docker)
    {
        var manifest = new ImageManifest
        {
            MediaType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest,
            Config = new Descriptor { MediaType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest = configDigest, Size = configSize },
            Layers = chain.Select(l => new Descriptor
            {
                MediaType = docker ? MediaTypes.DockerLayer : MediaTypes.OciLayer,
                Digest = l.DiffId,
                Size = l.UncompressedSize,
            }).ToList(),
            Annotations = docker || builder.State.ImageAnnotations.Count == 0 ? null : new Dictionary<string, string>(builder.State.ImageAnnotations),
        };
        return manifest.ToJson();
    }
}
