using System.IO.Compression;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.TestKit;

/// <summary>
/// Reads an image through any <see cref="IImageSource"/> and checks it is whole: the manifest parses, the config
/// and every layer hash to their descriptors, each layer's decompressed tar hashes to the config's diff_id, and the
/// counts agree. Every transport must pass it.
/// </summary>
public static class ImageValidator
{
    /// <summary>Returns the problems found (empty when the image is valid). Indexes are checked instance by instance.</summary>
    public static async Task<IReadOnlyList<string>> ValidateAsync(IImageSource source, CancellationToken cancellationToken = default)
    {
        var problems = new List<string>();
        ManifestBlob top;
        try
        {
            top = await source.GetManifestAsync(null, cancellationToken);
        }
        catch (SkiffException e)
        {
            return [$"reading the manifest: {e.Message}"];
        }
        string type = top.MediaType;
        if (MediaTypes.IsIndex(type))
        {
            ImageIndex index;
            try
            {
                index = ImageIndex.Parse(top.Bytes);
            }
            catch (MalformedImageException e)
            {
                return [$"index: {e.Message}"];
            }
            foreach (Descriptor d in index.Manifests)
            {
                ManifestBlob m;
                try
                {
                    m = await source.GetManifestAsync(d.Digest, cancellationToken);
                }
                catch (SkiffException e)
                {
                    problems.Add($"instance {d.Digest}: {e.Message}");
                    continue;
                }
                if (m.Digest != d.Digest || m.Bytes.Length != d.Size)
                {
                    problems.Add($"instance {d.Digest}: got {m.Digest} ({m.Bytes.Length} bytes), index says {d.Size} bytes");
                }
                await ValidateManifestAsync(source, m, $"instance {d.Digest.Encoded[..12]}: ", problems, cancellationToken);
            }
            return problems;
        }
        await ValidateManifestAsync(source, top, "", problems, cancellationToken);
        return problems;
    }

    /// <summary>Fails the test with every problem listed.</summary>
    public static async Task AssertValidAsync(IImageSource source, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<string> problems = await ValidateAsync(source, cancellationToken);
        if (problems.Count > 0)
        {
            Xunit.Assert.Fail($"image {source.Reference.Transport.Name}:{source.Reference.StringWithinTransport} is invalid:\n  " + string.Join("\n  ", problems));
        }
    }

    public static async Task AssertValidAsync(IImageReference reference, CancellationToken cancellationToken = default)
    {
        await using IImageSource source = await reference.OpenSourceAsync(cancellationToken);
        await AssertValidAsync(source, cancellationToken);
    }

    private static async Task ValidateManifestAsync(IImageSource source, ManifestBlob blob, string where, List<string> problems, CancellationToken cancellationToken)
    {
        ImageManifest manifest;
        try
        {
            manifest = ImageManifest.Parse(blob.Bytes);
        }
        catch (MalformedImageException e)
        {
            problems.Add($"{where}manifest: {e.Message}");
            return;
        }
        if (!MediaTypes.IsManifest(blob.MediaType))
        {
            problems.Add($"{where}manifest media type \"{blob.MediaType}\" is not an image manifest");
        }
        if (manifest.MediaType is { } declared && declared != blob.MediaType)
        {
            problems.Add($"{where}manifest says {declared} but the source reports {blob.MediaType}");
        }
        bool docker = blob.MediaType == MediaTypes.DockerManifest;
        string expectedConfigType = docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;
        if (manifest.Config.MediaType != expectedConfigType)
        {
            problems.Add($"{where}config media type \"{manifest.Config.MediaType}\" in a {blob.MediaType}");
        }
        byte[]? configBytes = await ReadBlobAsync(source, manifest.Config, $"{where}config", problems, cancellationToken);
        if (configBytes is null)
        {
            return;
        }
        ImageConfig config;
        try
        {
            config = ImageConfig.Parse(configBytes);
        }
        catch (MalformedImageException e)
        {
            problems.Add($"{where}config: {e.Message}");
            return;
        }
        if (config.RootFs.DiffIds.Count != manifest.Layers.Count)
        {
            problems.Add($"{where}{manifest.Layers.Count} layers but {config.RootFs.DiffIds.Count} diff_ids");
        }
        if (config.History is { } history)
        {
            int nonEmpty = history.Count(h => !h.EmptyLayer);
            if (nonEmpty != config.RootFs.DiffIds.Count)
            {
                problems.Add($"{where}{nonEmpty} non-empty history entries but {config.RootFs.DiffIds.Count} diff_ids");
            }
        }
        for (int i = 0; i < manifest.Layers.Count; i++)
        {
            Descriptor layer = manifest.Layers[i];
            string what = $"{where}layer {i} ({layer.Digest})";
            if (!MediaTypes.IsLayer(layer.MediaType))
            {
                problems.Add($"{what}: unknown layer media type \"{layer.MediaType}\"");
            }
            if (docker != MediaTypes.IsDocker(layer.MediaType) && layer.MediaType != MediaTypes.OciLayerZstd)
            {
                problems.Add($"{what}: layer media type \"{layer.MediaType}\" in a {blob.MediaType}");
            }
            byte[]? bytes = await ReadBlobAsync(source, layer, what, problems, cancellationToken);
            if (bytes is null || i >= config.RootFs.DiffIds.Count)
            {
                continue;
            }
            Compression declaredCompression = MediaTypes.CompressionOf(layer.MediaType);
            Compression actual = Sniff(bytes);
            if (declaredCompression != actual)
            {
                problems.Add($"{what}: media type says {declaredCompression} but the bytes are {actual}");
            }
            byte[] tar;
            try
            {
                tar = Decompress(bytes, actual);
            }
            catch (Exception e) when (e is InvalidDataException or IOException or ZstdSharp.ZstdException)
            {
                problems.Add($"{what}: does not decompress: {e.Message}");
                continue;
            }
            Digest diffId = Digest.Compute(tar);
            if (diffId != config.RootFs.DiffIds[i])
            {
                problems.Add($"{what}: uncompressed digest {diffId} but diff_id {config.RootFs.DiffIds[i]}");
            }
            if (!IsTar(tar))
            {
                problems.Add($"{what}: not a tar archive");
            }
        }
    }

    private static async Task<byte[]?> ReadBlobAsync(IImageSource source, Descriptor d, string what, List<string> problems, CancellationToken cancellationToken)
    {
        try
        {
            await using Stream s = await source.GetBlobAsync(d, cancellationToken);
            using var ms = new MemoryStream();
            await s.CopyToAsync(ms, cancellationToken);
            byte[] bytes = ms.ToArray();
            if (bytes.Length != d.Size)
            {
                problems.Add($"{what}: {bytes.Length} bytes, descriptor says {d.Size}");
            }
            Digest got = Digest.Compute(bytes);
            if (got != d.Digest)
            {
                problems.Add($"{what}: hashes to {got}");
            }
            return bytes;
        }
        catch (SkiffException e)
        {
            problems.Add($"{what}: {e.Message}");
            return null;
        }
    }

    public static Compression Sniff(ReadOnlySpan<byte> head) => head switch
    {
        [0x1f, 0x8b, ..] => Compression.Gzip,
        [0x28, 0xb5, 0x2f, 0xfd, ..] => Compression.Zstd,
        _ => Compression.None,
    };

    public static byte[] Decompress(byte[] bytes, Compression compression)
    {
        switch (compression)
        {
            case Compression.Gzip:
            {
                using var gz = new GZipStream(new MemoryStream(bytes), CompressionMode.Decompress);
                using var ms = new MemoryStream();
                gz.CopyTo(ms);
                return ms.ToArray();
            }
            case Compression.Zstd:
            {
                using var z = new ZstdSharp.DecompressionStream(new MemoryStream(bytes));
                using var ms = new MemoryStream();
                z.CopyTo(ms);
                return ms.ToArray();
            }
            default:
                return bytes;
        }
    }

    private static bool IsTar(byte[] tar)
    {
        try
        {
            using var reader = new System.Formats.Tar.TarReader(new MemoryStream(tar));
            while (reader.GetNextEntry() is not null)
            {
            }
            return true;
        }
        catch (Exception e) when (e is InvalidDataException or FormatException or EndOfStreamException)
        {
            return false;
        }
    }
}
