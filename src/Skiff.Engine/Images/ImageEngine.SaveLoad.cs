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
        var copier = new ImageCopier();
        var copyOptions = new CopyOptions { Progress = options.Progress };
        var loaded = new List<string>();
        if (!File.Exists(options.Input) && !Directory.Exists(options.Input))
        {
            throw new SkiffException($"{options.Input}: no such file or directory");
        }
        IReadOnlyList<ArchivedImage> archived;
        try
        {
            archived = await ImageArchives.ListAsync(options.Input, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidDataException or EndOfStreamException or FormatException)
        {
            throw new MalformedImageException($"{options.Input}: payload does not match any of the supported image formats: {e.Message}", e);
        }
        foreach (ArchivedImage image in archived)
        {
            IImageReference source = image.Reference;
            // docker save writes RepoTags in docker's normal form (busybox:latest is docker.io's); an OCI
            // ref.name without a domain is a local name, as podman names what it saves.
            IReadOnlyList<Reference> names = source.Transport.Name == "docker-archive"
                ? image.Names.Select(n => Reference.Parse(n).TagOrLatest()).ToList()
                : image.Names.SelectMany(LocalNames).ToList();
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

    /// <summary>An archive's name as podman stores it: RepoTags are full names, a bare ref.name is local.</summary>
    private static IReadOnlyList<Reference> LocalNames(string refName)
    {
        try
        {
            return [Reference.ParseLocal(refName)];
        }
        catch (ReferenceFormatException)
        {
            return [];
        }
    }
}
