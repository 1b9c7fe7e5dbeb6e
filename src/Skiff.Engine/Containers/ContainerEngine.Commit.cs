using Skiff.Archive;
using Skiff.Engine.Images;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Runtime;
using Skiff.Storage;

namespace Skiff.Engine.Containers;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// podman commit: the container's changes as a new layer over its image, with a config made from the container's
    /// settings, the --change instructions, the author and message. Returns the new image id (hex).
    /// </summary>
    public async Task<string> CommitAsync(CommitOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        bool docker = options.Format switch
        {
            null or "" or "oci" => false,
            "docker" => true,
            _ => throw new RuntimeException($"unrecognized image type \"{options.Format}\""),
        };
        ContainerInfo info = Runtime.Get(options.Container);
        ContainerDefinition def = info.Definition;
        ImageRecord? image = def.ImageId is null ? null : _store.FindImage(def.ImageId);
        ImageConfig baseConfig = image is null ? new ImageConfig { Architecture = "amd64", Os = "linux" } : ImageConfig.Parse(_store.ReadImageConfig(image));
        bool paused = false;
        if (options.Pause && info.Status.State == ContainerState.Running)
        {
            await Runtime.PauseAsync(info.Record.Id, pause: true, cancellationToken).ConfigureAwait(false);
            paused = true;
        }
        string tmp = Path.Combine(_store.GetContainerDirectory(info.Record.Id), $"commit-{Guid.NewGuid():N}.tar");
        try
        {
            LayerWriteResult diff;
            await using (FileStream output = File.Create(tmp))
            {
                // Squashed: the whole file system as one layer on nothing; else the container's changes on its image.
                diff = options.Squash
                    ? await WithRootfsAsync(info.Record.Id, rootfs => LayerWriter.WriteDirectoryAsync(rootfs, output, new LayerWriteOptions(), cancellationToken), cancellationToken).ConfigureAwait(false)
                    : await _store.WriteContainerDiffAsync(info.Record.Id, output, new LayerWriteOptions(), cancellationToken).ConfigureAwait(false);
            }
            LayerRecord layer;
            await using (FileStream input = File.OpenRead(tmp))
            {
                layer = await _store.PutLayerAsync(input, options.Squash ? null : image?.TopLayer, diff.DiffId, null, cancellationToken).ConfigureAwait(false);
            }

            DateTimeOffset now = _time.GetUtcNow();
            ContainerConfig ic = baseConfig.Config ?? new ContainerConfig();
            var config = ic with
            {
                Env = def.Env.Count > 0 ? [.. def.Env] : ic.Env,
                Cmd = def.Command ?? ic.Cmd,
                Entrypoint = def.Entrypoint ?? ic.Entrypoint,
                WorkingDir = def.WorkingDir == "/" ? ic.WorkingDir : def.WorkingDir,
                User = def.User ?? ic.User,
                Labels = def.Labels.Count > 0 ? new Dictionary<string, string>(def.Labels) : ic.Labels,
                ExposedPorts = def.ExposedPorts.Count > 0 ? def.ExposedPorts.ToDictionary(p => p, _ => new EmptyObject()) : ic.ExposedPorts,
            };
            config = ConfigChanges.Apply(config, options.Changes);
            var history = new List<HistoryEntry>(options.Squash ? [] : baseConfig.History ?? [])
            {
                new()
                {
                    Created = now,
                    CreatedBy = string.Join(' ', def.Args),
                    Author = options.Author,
                    Comment = options.Message,
                },
            };
            var newConfig = baseConfig with
            {
                Created = now,
                Author = options.Author ?? baseConfig.Author,
                Config = config,
                RootFs = new RootFs { DiffIds = options.Squash ? [layer.DiffId] : [.. baseConfig.RootFs.DiffIds, layer.DiffId] },
                History = history,
            };
            if (docker && options.Message is { Length: > 0 } message)
            {
                // Docker's config has a top-level comment; OCI keeps the message in the history entry only.
                using var comment = System.Text.Json.JsonDocument.Parse("\"" + System.Text.Json.JsonEncodedText.Encode(message) + "\"");
                newConfig.Extra = new Dictionary<string, System.Text.Json.JsonElement>(newConfig.Extra ?? [], StringComparer.Ordinal)
                {
                    ["comment"] = comment.RootElement.Clone(),
                };
            }
            byte[] configBytes = newConfig.ToJson();
            // The manifest lists the layer chain as stored (uncompressed), in the chosen family's media types.
            var layers = new List<Descriptor>();
            for (LayerRecord? l = layer; l is not null; l = l.Parent is null ? null : _store.GetLayer(l.Parent))
            {
                layers.Insert(0, new Descriptor { MediaType = docker ? MediaTypes.DockerLayer : MediaTypes.OciLayer, Digest = l.DiffId, Size = l.UncompressedSize });
            }
            string manifestType = docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;
            var manifest = new ImageManifest
            {
                MediaType = manifestType,
                Config = new Descriptor { MediaType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
                Layers = layers,
            };
            ImageRecord committed = await _store.PutImageAsync(new NewImage
            {
                ConfigBytes = configBytes,
                Manifest = new ManifestBlob(manifest.ToJson(), manifestType),
                TopLayer = layer.Id,
                Names = options.Reference is null ? [] : [Reference.ParseLocal(options.Reference).ToString()],
            }, cancellationToken).ConfigureAwait(false);
            Runtime.Events.Container("commit", def);
            return committed.Id;
        }
        finally
        {
            File.Delete(tmp);
            if (paused)
            {
                await Runtime.PauseAsync(info.Record.Id, pause: false, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
