using System.Formats.Tar;
using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;
using Skiff.Storage.StorageTransport;
using Skiff.Transports;
using Skiff.Transports.Copy;
using Skiff.Transports.DockerArchive;

namespace Skiff.Engine.Images;

public sealed partial class ImageEngine
{
    private const string RefNameAnnotation = "org.opencontainers.image.ref.name";

    private ContainersStorageTransport StorageTransport => _storageTransport ??= new ContainersStorageTransport(_store);

    private ContainersStorageTransport? _storageTransport;

    /// <summary>podman save: one image to any format, several images only into one docker-archive.</summary>
    public async Task SaveAsync(SaveOptions options, CancellationToken cancellationToken = default)
    {
        if (options.Names.Count == 0)
        {
            throw new SkiffException("no image names specified");
        }
        var images = options.Names.Select(n => (Name: n, Image: Resolve(n))).ToList();
        var copier = new ImageCopier();
        var copyOptions = new CopyOptions
        {
            Progress = options.Progress,
            Compression = options.Compress ? Compression.Gzip : null,
        };
        switch (options.Format)
        {
            case "docker-archive":
            {
                await using DockerArchiveWriter writer = DockerArchiveWriter.Create(options.Output);
                foreach ((string name, ImageRecord image) in images)
                {
                    List<Reference> tags = TagsFor(name, image);
                    await copier.CopyAsync(SourceOf(image), writer.NewReference(tags), copyOptions, cancellationToken).ConfigureAwait(false);
                }
                await writer.CloseAsync(cancellationToken).ConfigureAwait(false);
                break;
            }
            case "oci-archive" or "oci-dir" or "docker-dir":
            {
                if (images.Count > 1)
                {
                    throw new SkiffException($"{options.Format} does not support saving multiple images, use docker-archive");
                }
                (string name, ImageRecord image) = images[0];
                string refName = TagsFor(name, image).FirstOrDefault()?.ToString() ?? "";
                TransportRegistry registry = TransportRegistry.CreateWithFileTransports();
                IImageReference destination = options.Format switch
                {
                    "oci-archive" => registry.ParseImageName($"oci-archive:{options.Output}:{refName}".TrimEnd(':')),
                    "oci-dir" => registry.ParseImageName($"oci:{options.Output}:{refName}".TrimEnd(':')),
                    _ => registry.ParseImageName($"dir:{options.Output}"),
                };
                await copier.CopyAsync(SourceOf(image), destination, copyOptions with
                {
                    ManifestMediaType = options.Format == "docker-dir" ? MediaTypes.DockerManifest : MediaTypes.OciManifest,
                }, cancellationToken).ConfigureAwait(false);
                break;
            }
            default:
                throw new SkiffException($"unsupported format \"{options.Format}\": choose docker-archive, oci-archive, oci-dir or docker-dir");
        }
    }

    /// <summary>The name the user gave, if it names the image; else the image's own first name.</summary>
    private static List<Reference> TagsFor(string requested, ImageRecord image)
    {
        foreach (string candidate in CandidateNames(requested))
        {
            if (image.Names.Contains(candidate))
            {
                return [Reference.Parse(candidate)];
            }
        }
        return image.Names.Take(1).Select(Reference.Parse).ToList();
    }

    private IImageReference SourceOf(ImageRecord image) => StorageTransport.NewReference(null, image.Id);

    /// <summary>podman load: every image of an archive or layout, named as the archive names it.</summary>
    public async Task<LoadReport> LoadAsync(LoadOptions options, CancellationToken cancellationToken = default)
    {
        TransportRegistry registry = TransportRegistry.CreateWithFileTransports();
        var copier = new ImageCopier();
        var copyOptions = new CopyOptions { Progress = options.Progress };
        var loaded = new List<string>();
        var sources = await ListLoadSourcesAsync(registry, options.Input, cancellationToken).ConfigureAwait(false);
        foreach ((IImageReference source, IReadOnlyList<Reference> names) in sources)
        {
            Reference? first = names.FirstOrDefault();
            // An unnamed image is addressed in the store by its id, which is its config digest.
            string? id0 = first is null ? await ConfigIdOfAsync(source, cancellationToken).ConfigureAwait(false) : null;
            CopyResult result = await copier.CopyAsync(source, StorageTransport.NewReference(first, id0), copyOptions, cancellationToken)
                .ConfigureAwait(false);
            string id = result.ConfigDigest.Encoded;
            if (names.Count > 1)
            {
                await _store.AddImageNamesAsync(id, names.Skip(1).Select(n => n.ToString()), cancellationToken).ConfigureAwait(false);
            }
            loaded.AddRange(names.Count > 0 ? names.Select(n => n.ToString()) : ["sha256:" + id]);
        }
        return new LoadReport(loaded);
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

    private static async Task<List<(IImageReference Source, IReadOnlyList<Reference> Names)>> ListLoadSourcesAsync(
        TransportRegistry registry, string input, CancellationToken cancellationToken)
    {
        var result = new List<(IImageReference, IReadOnlyList<Reference>)>();
        if (Directory.Exists(input))
        {
            if (File.Exists(Path.Combine(input, "index.json")))
            {
                foreach (string? refName in ReadIndexRefNames(await File.ReadAllBytesAsync(Path.Combine(input, "index.json"), cancellationToken).ConfigureAwait(false)))
                {
                    result.Add((registry.ParseImageName(refName is null ? $"oci:{input}" : $"oci:{input}:{refName}"), LocalNames(refName)));
                }
                return result;
            }
            if (File.Exists(Path.Combine(input, "manifest.json")))
            {
                result.Add((registry.ParseImageName($"dir:{input}"), []));
                return result;
            }
            throw new MalformedImageException($"{input}: payload does not match any of the supported image formats (oci, dir)");
        }
        if (!File.Exists(input))
        {
            throw new SkiffException($"{input}: no such file or directory");
        }
        string kind = await SniffArchiveAsync(input, cancellationToken).ConfigureAwait(false);
        if (kind == "docker-archive")
        {
            IReadOnlyList<DockerArchiveManifestItem> items = await DockerArchiveSource.ListImagesAsync(input, cancellationToken).ConfigureAwait(false);
            for (int i = 0; i < items.Count; i++)
            {
                var names = (items[i].RepoTags ?? []).Select(t => Reference.Parse(t).TagOrLatest()).ToList();
                result.Add((registry.ParseImageName($"docker-archive:{input}:@{i}"), names));
            }
            return result;
        }
        byte[] index = await ReadTarMemberAsync(input, "index.json", cancellationToken).ConfigureAwait(false);
        foreach (string? refName in ReadIndexRefNames(index))
        {
            result.Add((registry.ParseImageName(refName is null ? $"oci-archive:{input}" : $"oci-archive:{input}:{refName}"), LocalNames(refName)));
        }
        return result;
    }

    private static IReadOnlyList<Reference> LocalNames(string? refName)
    {
        if (refName is null)
        {
            return [];
        }
        try
        {
            return [Reference.ParseLocal(refName)];
        }
        catch (ReferenceFormatException)
        {
            return [];
        }
    }

    private static List<string?> ReadIndexRefNames(byte[] indexJson)
    {
        ImageIndex index = ImageIndex.Parse(indexJson);
        if (index.Manifests.Count == 0)
        {
            throw new MalformedImageException("index.json lists no images");
        }
        List<string?> names = index.Manifests.Select(m => m.Annotations?.GetValueOrDefault(RefNameAnnotation)).ToList();
        // Unnamed entries can only be addressed when they are alone (the transport picks the only image).
        if (names.Count > 1 && names.Any(n => n is null))
        {
            names = names.Where(n => n is not null).ToList();
        }
        return names.Distinct().ToList();
    }

    /// <summary>Tells oci-archive from docker-archive by the members at the top of the tar.</summary>
    private static async Task<string> SniffArchiveAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            await using FileStream file = File.OpenRead(path);
            await using var reader = new TarReader(file);
            while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
            {
                string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
                if (name is "manifest.json")
                {
                    return "docker-archive";
                }
                if (name is "oci-layout" or "index.json")
                {
                    return "oci-archive";
                }
            }
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException or ArgumentException)
        {
            throw new MalformedImageException($"{path}: payload does not match any of the supported image formats: {e.Message}", e);
        }
        throw new MalformedImageException($"{path}: payload does not match any of the supported image formats (oci-archive, docker-archive)");
    }

    private static async Task<byte[]> ReadTarMemberAsync(string path, string member, CancellationToken cancellationToken)
    {
        await using FileStream file = File.OpenRead(path);
        await using var reader = new TarReader(file);
        while (await reader.GetNextEntryAsync(copyData: false, cancellationToken).ConfigureAwait(false) is { } entry)
        {
            string name = entry.Name.StartsWith("./", StringComparison.Ordinal) ? entry.Name[2..] : entry.Name;
            if (name == member && entry.DataStream is { } data)
            {
                if (entry.Length > ImageManifest.MaxBytes)
                {
                    throw new MalformedImageException($"{path}: {member} of {entry.Length} bytes is too large");
                }
                var ms = new MemoryStream();
                await data.CopyToAsync(ms, cancellationToken).ConfigureAwait(false);
                return ms.ToArray();
            }
        }
        throw new MalformedImageException($"{path}: archive has no {member}");
    }
}
