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
        if (options.Squash)
        {
            throw new RuntimeException("--squash is not supported by skiff commit yet");
        }
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
                diff = await _store.WriteContainerDiffAsync(info.Record.Id, output, new LayerWriteOptions(), cancellationToken).ConfigureAwait(false);
            }
            LayerRecord layer;
            await using (FileStream input = File.OpenRead(tmp))
            {
                layer = await _store.PutLayerAsync(input, image?.TopLayer, diff.DiffId, null, cancellationToken).ConfigureAwait(false);
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
            var history = new List<HistoryEntry>(baseConfig.History ?? [])
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
                RootFs = new RootFs { DiffIds = [.. baseConfig.RootFs.DiffIds, layer.DiffId] },
                History = history,
            };
            byte[] configBytes = newConfig.ToJson();
            List<Descriptor> layers = image is null ? [] : [.. ImageManifest.Parse(_store.ReadImageManifest(image).Bytes).Layers];
            layers.Add(new Descriptor { MediaType = MediaTypes.OciLayer, Digest = layer.DiffId, Size = layer.UncompressedSize });
            var manifest = new ImageManifest
            {
                MediaType = MediaTypes.OciManifest,
                Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
                Layers = layers,
            };
            ImageRecord committed = await _store.PutImageAsync(new NewImage
            {
                ConfigBytes = configBytes,
                Manifest = new ManifestBlob(manifest.ToJson(), MediaTypes.OciManifest),
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
