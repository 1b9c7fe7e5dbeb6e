using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Transports.Copy;

/// <summary>
/// The one copy engine behind pull, push, save, load and <c>skopeo copy</c>: reads an image from any source and
/// writes it to any destination, adapting to what the destination accepts (manifest type, layer compression,
/// concurrency). Every blob read is verified against its digest and size before the destination commits; a layer the
/// copier decompresses is also checked against the config's DiffID.
/// </summary>
public sealed partial class ImageCopier
{
    private const long MaxConfigBytes = 64L * 1024 * 1024;

    // No layer is bigger than this; a larger declared size is a hostile or broken manifest.
    private const long MaxLayerBytes = 1L << 40;

    public async Task<CopyResult> CopyAsync(IImageReference source, IImageReference destination, CopyOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= new CopyOptions();
        await using IImageSource src = await source.OpenSourceAsync(cancellationToken).ConfigureAwait(false);
        await using IImageDestination dest = await destination.OpenDestinationAsync(cancellationToken).ConfigureAwait(false);
        var run = new CopyRun(src, dest, options, Describe(destination));
        if (!options.RemoveSignatures)
        {
            run.Report(CopyProgressKind.GettingSignatures, "Getting image source signatures");
        }

        ManifestBlob top = await src.GetManifestAsync(null, cancellationToken).ConfigureAwait(false);
        CopyResult result;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            ImageIndex index = ImageIndex.Parse(top.Bytes);
            if (options.All)
            {
                result = await CopyIndexAsync(run, top, index, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Platform platform = options.Platform ?? Platform.Current;
                Descriptor chosen = index.Select(platform)
                    ?? throw new ImageNotFoundException(
                        $"no image found in manifest list for architecture {platform.Architecture}, variant \"{platform.Variant}\", OS {platform.Os}");
                ManifestBlob instance = await GetInstanceAsync(src, chosen, cancellationToken).ConfigureAwait(false);
                result = await CopySingleAsync(run, instance, asInstance: false, forcedType: null, cancellationToken).ConfigureAwait(false);
            }
        }
        else
        {
            result = await CopySingleAsync(run, top, asInstance: false, forcedType: null, cancellationToken).ConfigureAwait(false);
        }

        run.Report(CopyProgressKind.StoringSignatures, "Storing signatures");
        await dest.CommitAsync(cancellationToken).ConfigureAwait(false);
        return result;
    }

    private static async Task<CopyResult> CopyIndexAsync(CopyRun run, ManifestBlob top, ImageIndex index, CancellationToken cancellationToken)
    {
        IReadOnlyList<string> supported = run.Destination.SupportedManifestMediaTypes;
        string indexType = top.MediaType;
        if (!supported.Contains(indexType))
        {
            string other = indexType == MediaTypes.OciIndex ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;
            indexType = supported.Contains(other)
                ? other
                : throw new SkiffException($"{run.Where} does not support manifest lists: copy a single platform instead of all");
        }
        bool converting = indexType != top.MediaType;
        string? forcedType = converting ? ManifestConversion.ManifestFor(ManifestConversion.IsDockerFamily(indexType)) : null;

        var entries = new List<Descriptor>();
        bool changed = converting;
        var configs = new Dictionary<Digest, Digest>();
        foreach (Descriptor d in index.Manifests)
        {
            if (!MediaTypes.IsManifest(d.MediaType))
            {
                throw new SkiffException($"cannot copy index entry {d.Digest} of type \"{d.MediaType}\": only image manifests are supported");
            }
            ManifestBlob instance = await GetInstanceAsync(run.Source, d, cancellationToken).ConfigureAwait(false);
            CopyResult r = await CopySingleAsync(run, instance, asInstance: true, forcedType, cancellationToken).ConfigureAwait(false);
            configs[r.ManifestDigest] = r.ConfigDigest;
            var entry = d with { MediaType = r.Manifest.MediaType, Digest = r.ManifestDigest, Size = r.Manifest.Bytes.Length };
            changed |= entry != d;
            entries.Add(entry);
        }

        ManifestBlob written = top;
        if (changed)
        {
            ImageIndex rebuilt = index with { MediaType = indexType, Manifests = entries };
            written = new ManifestBlob(rebuilt.ToJson(), indexType);
        }
        run.Report(CopyProgressKind.WritingManifest, "Writing manifest to image destination");
        await run.Destination.PutManifestAsync(written, null, cancellationToken).ConfigureAwait(false);

        ImageIndex final = ImageIndex.Parse(written.Bytes);
        Descriptor? mine = final.Select(run.Options.Platform ?? Platform.Current) ?? final.Manifests.FirstOrDefault();
        Digest config = mine is not null && configs.TryGetValue(mine.Digest, out Digest c) ? c : default;
        return new CopyResult(written.Digest, config, written);
    }

    private static async Task<ManifestBlob> GetInstanceAsync(IImageSource source, Descriptor d, CancellationToken cancellationToken)
    {
        if (d.Size > ImageManifest.MaxBytes)
        {
            throw new MalformedImageException($"manifest {d.Digest} declares {d.Size} bytes, above the limit of {ImageManifest.MaxBytes}");
        }
        ManifestBlob m = await source.GetManifestAsync(d.Digest, cancellationToken).ConfigureAwait(false);
        if (m.Digest != d.Digest)
        {
            throw new DigestMismatchException($"manifest {d.Digest}: the source returned bytes hashing to {m.Digest}");
        }
        if (d.Size >= 0 && m.Bytes.Length != d.Size)
        {
            throw new DigestMismatchException($"manifest {d.Digest}: {m.Bytes.Length} bytes, the index declares {d.Size}");
        }
        return m;
    }

    /// <summary>Copies one image: layers, then config, then the (possibly converted) manifest.</summary>
    private static async Task<CopyResult> CopySingleAsync(CopyRun run, ManifestBlob blob, bool asInstance, string? forcedType, CancellationToken cancellationToken)
    {
        if (!MediaTypes.IsManifest(blob.MediaType))
        {
            throw new MalformedImageException($"unsupported manifest type \"{blob.MediaType}\"");
        }
        ImageManifest manifest = ImageManifest.Parse(blob.Bytes);
        string targetType = forcedType
            ?? ManifestConversion.ChooseManifestType(blob.MediaType, run.Destination.SupportedManifestMediaTypes, run.Options.ManifestMediaType, run.Where);
        bool docker = ManifestConversion.IsDockerFamily(targetType);

        byte[] config = await ReadConfigAsync(run.Source, manifest.Config, cancellationToken).ConfigureAwait(false);
        ImageConfig parsedConfig = ImageConfig.Parse(config);
        IReadOnlyList<Digest> diffIds = parsedConfig.RootFs.DiffIds;
        if (diffIds.Count != manifest.Layers.Count)
        {
            throw new MalformedImageException($"image {blob.Digest}: {manifest.Layers.Count} layers but the config lists {diffIds.Count} diff_ids");
        }
        foreach (Descriptor layer in manifest.Layers)
        {
            layer.Validate(MaxLayerBytes);
        }

        Descriptor[] layers = await CopyLayersAsync(run, manifest.Layers, diffIds, docker, cancellationToken).ConfigureAwait(false);

        var configDescriptor = manifest.Config with { MediaType = ManifestConversion.ConfigFor(docker) };
        run.Report(CopyProgressKind.Config, $"Copying config {manifest.Config.Digest}", manifest.Config.Digest, manifest.Config.Size);
        await using (var configStream = new DigestingStream(new MemoryStream(config, writable: false), manifest.Config.Digest, config.Length))
        {
            await run.Destination.PutBlobAsync(configStream, new BlobInfo { Descriptor = configDescriptor, IsConfig = true }, cancellationToken).ConfigureAwait(false);
        }

        bool changed = targetType != blob.MediaType
            || configDescriptor.MediaType != manifest.Config.MediaType
            || !layers.SequenceEqual(manifest.Layers);
        ManifestBlob written = blob;
        if (changed)
        {
            ImageManifest converted = manifest with
            {
                MediaType = targetType,
                Config = configDescriptor,
                Layers = [.. layers],
                // Docker v2 schema 2 has none of these.
                Annotations = docker ? null : manifest.Annotations,
                ArtifactType = docker ? null : manifest.ArtifactType,
                Subject = docker ? null : manifest.Subject,
            };
            written = new ManifestBlob(converted.ToJson(), targetType);
        }
        run.Report(CopyProgressKind.WritingManifest, "Writing manifest to image destination");
        await run.Destination.PutManifestAsync(written, asInstance ? written.Digest : null, cancellationToken).ConfigureAwait(false);
        return new CopyResult(written.Digest, manifest.Config.Digest, written);
    }

    private static async Task<byte[]> ReadConfigAsync(IImageSource source, Descriptor config, CancellationToken cancellationToken)
    {
        config.Validate(MaxConfigBytes);
        await using Stream raw = await source.GetBlobAsync(config, cancellationToken).ConfigureAwait(false);
        await using var verifying = new DigestingStream(raw, config.Digest, config.Size);
        using var ms = new MemoryStream();
        await verifying.CopyToAsync(ms, cancellationToken).ConfigureAwait(false);
        verifying.Verify();
        return ms.ToArray();
    }

    private static string Describe(IImageReference reference) => $"{reference.Transport.Name}:{reference.StringWithinTransport}";

    /// <summary>The state of one copy, passed down instead of long parameter lists.</summary>
    private sealed class CopyRun(IImageSource source, IImageDestination destination, CopyOptions options, string where)
    {
        public IImageSource Source => source;
        public IImageDestination Destination => destination;
        public CopyOptions Options => options;
        public string Where => where;

        public void Report(CopyProgressKind kind, string message, Digest? digest = null, long size = -1) =>
            options.Progress?.Report(new CopyProgress(kind, message, digest, size));
    }
}
