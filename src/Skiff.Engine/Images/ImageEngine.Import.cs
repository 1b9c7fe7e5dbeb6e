using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;

namespace Skiff.Engine.Images;

public sealed partial class ImageEngine
{
    /// <summary>podman import: one layer from a rootfs tarball, a fresh config, optionally named.</summary>
    public async Task<ImportReport> ImportAsync(ImportOptions options, Stream? stdin = null, CancellationToken cancellationToken = default)
    {
        Reference? name = options.Reference is null ? null : Reference.ParseLocal(options.Reference);
        ContainerConfig? config = options.Changes.Count > 0 ? ConfigChanges.Apply(null, options.Changes) : null;
        Platform platform = options.Platform ?? Platform.Current;

        Stream input = options.Source == "-"
            ? stdin ?? Console.OpenStandardInput()
            : OpenSource(options.Source);
        LayerRecord layer;
        await using (input.ConfigureAwait(false))
        {
            layer = await _store.PutLayerAsync(input, null, null, null, cancellationToken).ConfigureAwait(false);
        }

        DateTimeOffset now = _time.GetUtcNow();
        var imageConfig = new ImageConfig
        {
            Created = now,
            Architecture = platform.Architecture,
            Os = platform.Os,
            Variant = platform.Variant,
            Config = config,
            RootFs = new RootFs { DiffIds = [layer.DiffId] },
            History =
            [
                new HistoryEntry
                {
                    Created = now,
                    CreatedBy = $"/bin/sh -c #(nop) ADD file:{layer.DiffId.Encoded} in /",
                    Comment = options.Message,
                },
            ],
        };
        byte[] configBytes = imageConfig.ToJson();
        var manifest = new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayer, Digest = layer.DiffId, Size = layer.UncompressedSize }],
        };
        ImageRecord image = await _store.PutImageAsync(new NewImage
        {
            ConfigBytes = configBytes,
            Manifest = new ManifestBlob(manifest.ToJson(), MediaTypes.OciManifest),
            TopLayer = layer.Id,
            Names = name is null ? [] : [name.ToString()],
        }, cancellationToken).ConfigureAwait(false);
        return new ImportReport(image.Id);
    }

    private static FileStream OpenSource(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, useAsync: false);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            throw new SkiffException($"opening {path}: {e.Message}", e);
        }
    }
}
