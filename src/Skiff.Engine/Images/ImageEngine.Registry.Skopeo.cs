using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Registry;
using Skiff.Registry.Docker;
using Skiff.Storage;
using Skiff.Transports;
using Skiff.Transports.Copy;

namespace Skiff.Engine.Images;

/// <summary>The skopeo face's commands (and podman search / manifest inspect), which need no store unless a name is in it.</summary>
public sealed partial class ImageEngine
{
    /// <summary>Whether an image name needs the local store (skopeo opens it only then).</summary>
    public static bool NeedsStore(string imageName) => imageName.StartsWith("containers-storage:", StringComparison.Ordinal);

    /// <summary>skopeo copy: any transport to any, each side with its own registry access.</summary>
    public static async Task<CopyResult> CopyImageAsync(Store? store, CopyImageOptions options, CancellationToken cancellationToken = default)
    {
        // One record of where blobs live serves both sides, so a copy within one registry mounts instead of uploading.
        var locations = new BlobLocations();
        using RegistrySession sourceSession = OpenSession(options.SourceAccess, locations);
        using RegistrySession destinationSession = OpenSession(options.DestinationAccess, locations);
        IImageReference source = CreateTransports(sourceSession, store).ParseImageName(options.Source);
        IImageReference destination = CreateTransports(destinationSession, store).ParseImageName(options.Destination);
        return await new ImageCopier().CopyAsync(source, destination, new CopyOptions
        {
            All = options.All,
            Platform = options.Platform,
            Compression = options.Compression,
            CompressionLevel = options.CompressionLevel,
            ManifestMediaType = ManifestTypeFor(options.Format),
            RemoveSignatures = options.RemoveSignatures,
            Progress = options.Progress,
        }, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>skopeo inspect: manifest, config and (for registries) the repository's tags.</summary>
    public static async Task<RemoteInspectReport> InspectRemoteAsync(Store? store, RemoteInspectOptions options, CancellationToken cancellationToken = default)
    {
        using RegistrySession session = OpenSession(options.Access);
        IImageReference reference = CreateTransports(session, store).ParseImageName(options.Name);
        await using IImageSource source = await reference.OpenSourceAsync(cancellationToken).ConfigureAwait(false);
        ManifestBlob top = await source.GetManifestAsync(null, cancellationToken).ConfigureAwait(false);
        ManifestBlob single = top;
        if (MediaTypes.IsIndex(top.MediaType))
        {
            Platform platform = options.Platform ?? Platform.Current;
            Descriptor chosen = ImageIndex.Parse(top.Bytes).Select(platform)
                ?? throw new ImageNotFoundException($"no image found in manifest list for architecture {platform.Architecture}, variant \"{platform.Variant}\", OS {platform.Os}");
            single = await source.GetManifestAsync(chosen.Digest, cancellationToken).ConfigureAwait(false);
            if (single.Digest != chosen.Digest)
            {
                throw new DigestMismatchException($"manifest {chosen.Digest}: the source returned bytes hashing to {single.Digest}");
            }
        }
        ImageManifest manifest = ImageManifest.Parse(single.Bytes);
        manifest.Config.Validate(64L * 1024 * 1024);
        byte[] config;
        await using (Stream raw = await source.GetBlobAsync(manifest.Config, cancellationToken).ConfigureAwait(false))
        await using (var verifying = new DigestingStream(raw, manifest.Config.Digest, manifest.Config.Size))
        using (var ms = new MemoryStream())
        {
            await verifying.CopyToAsync(ms, cancellationToken).ConfigureAwait(false);
            verifying.Verify();
            config = ms.ToArray();
        }
        IReadOnlyList<string> tags = [];
        string? name = null;
        if (reference is DockerImageReference docker)
        {
            name = docker.Name.Name;
            if (!options.NoTags)
            {
                tags = await session.ClientFor(docker.Name.Domain).ListTagsAsync(docker.Name.Path, cancellationToken).ConfigureAwait(false);
            }
        }
        else if (reference.DockerReference is { } named)
        {
            name = named.Name;
        }
        return new RemoteInspectReport
        {
            Name = name,
            Digest = top.Digest,
            RepoTags = tags,
            Config = ImageConfig.Parse(config),
            RawConfig = config,
            RawManifest = top.Bytes,
            Manifest = manifest,
        };
    }

    /// <summary>skopeo list-tags: the repository's name and tags.</summary>
    public static async Task<(string Repository, IReadOnlyList<string> Tags)> ListTagsAsync(string name, RegistryAccess access, CancellationToken cancellationToken = default)
    {
        if (!name.StartsWith("docker://", StringComparison.Ordinal))
        {
            int colon = name.IndexOf(':');
            string transport = colon > 0 ? name[..colon] : name;
            throw new SkiffException($"Unsupported transport '{transport}' for tag listing. Only supported: docker");
        }
        string raw = name["docker://".Length..];
        Reference reference = Reference.Parse(raw);
        if (reference.Tag is not null || reference.Digest is not null)
        {
            throw new SkiffException($"No tag or digest allowed in reference {raw}");
        }
        using RegistrySession session = OpenSession(access);
        IReadOnlyList<string> tags = await session.ClientFor(reference.Domain).ListTagsAsync(reference.Path, cancellationToken).ConfigureAwait(false);
        return (reference.Name, tags);
    }

    /// <summary>skopeo delete.</summary>
    public static async Task DeleteImageAsync(Store? store, string name, RegistryAccess access, CancellationToken cancellationToken = default)
    {
        using RegistrySession session = OpenSession(access);
        IImageReference reference = CreateTransports(session, store).ParseImageName(name);
        await reference.DeleteAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>skopeo manifest-digest: the digest of a manifest file's bytes.</summary>
    public static async Task<Digest> ManifestDigestAsync(string path, CancellationToken cancellationToken = default)
    {
        byte[] bytes = await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        if (bytes.Length > ImageManifest.MaxBytes)
        {
            throw new MalformedImageException($"{path}: manifest of {bytes.Length} bytes exceeds the {ImageManifest.MaxBytes} byte limit");
        }
        return Digest.Compute(bytes);
    }

    /// <summary>podman manifest inspect of a registry image: the raw top-level manifest.</summary>
    public static async Task<ManifestBlob> RemoteManifestAsync(string name, RegistryAccess access, CancellationToken cancellationToken = default)
    {
        using RegistrySession session = OpenSession(access);
        string raw = name.StartsWith("docker://", StringComparison.Ordinal) ? name["docker://".Length..] : name;
        var errors = new List<string>();
        foreach (Reference candidate in Candidates(session.Conf, raw))
        {
            try
            {
                return await session.ClientFor(candidate.Domain)
                    .GetManifestAsync(candidate.Path, candidate.Digest?.ToString() ?? candidate.Tag ?? "latest", cancellationToken).ConfigureAwait(false);
            }
            catch (RegistryException e)
            {
                errors.Add(e.Message);
            }
        }
        throw new SkiffException($"{raw}: " + string.Join("; ", errors));
    }

    /// <summary>
    /// podman search against registries: a registry without a search API is searched through /v2/_catalog
    /// (repository names containing the term).
    /// </summary>
    public static async Task<IReadOnlyList<SearchResult>> SearchAsync(string term, RegistryAccess access, int limit, bool listTags, CancellationToken cancellationToken = default)
    {
        using RegistrySession session = OpenSession(access);
        var registries = new List<string>();
        string query = term;
        int slash = term.IndexOf('/');
        if (slash > 0 && !Reference.IsShortName(term))
        {
            registries.Add(term[..slash]);
            query = term[(slash + 1)..];
        }
        else
        {
            registries.AddRange(session.Conf.UnqualifiedSearchRegistries);
        }
        if (registries.Count == 0)
        {
            throw new SkiffException("no registries to search: name one (podman search REGISTRY/TERM) or set unqualified-search-registries");
        }
        var results = new List<SearchResult>();
        foreach (string registry in registries)
        {
            RegistryClient client = session.ClientFor(registry);
            if (listTags)
            {
                IReadOnlyList<string> tags = await client.ListTagsAsync(query, cancellationToken).ConfigureAwait(false);
                results.Add(new SearchResult(registry, $"{registry}/{query}", "", 0, false, false, tags));
                continue;
            }
            IReadOnlyList<string> repositories = await client.CatalogAsync(Math.Max(limit, 1000), cancellationToken).ConfigureAwait(false);
            foreach (string repository in repositories.Where(r => r.Contains(query, StringComparison.OrdinalIgnoreCase)).Take(limit))
            {
                results.Add(new SearchResult(registry, $"{registry}/{repository}", "", 0, false, false, null));
            }
        }
        return results;
    }
}
