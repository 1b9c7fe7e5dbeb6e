using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Registry;
using Skiff.Registry.Auth;
using Skiff.Registry.Config;
using Skiff.Registry.Docker;
using Skiff.Storage;
using Skiff.Storage.StorageTransport;
using Skiff.Transports;
using Skiff.Transports.Copy;

namespace Skiff.Engine.Images;

/// <summary>pull, push, login, logout: the podman face's registry commands.</summary>
public sealed partial class ImageEngine
{
    /// <summary>
    /// Every transport a command can name: the file transports, <c>containers-storage:</c> (when a store is open) and
    /// <c>docker://</c> over <paramref name="session"/>.
    /// </summary>
    public static TransportRegistry CreateTransports(RegistrySession session, Store? store)
    {
        TransportRegistry registry = TransportRegistry.CreateWithFileTransports();
        if (store is not null)
        {
            registry.Register(new ContainersStorageTransport(store));
        }
        registry.Register(new DockerTransport(session));
        return registry;
    }

    public static RegistrySession OpenSession(RegistryAccess access, BlobLocations? locations = null)
    {
        RegistryOptions options = access.ToOptions();
        return new RegistrySession(options, RegistriesConf.Load(options.RegistriesConf), locations);
    }

    /// <summary>podman pull: a registry image (short names through registries.conf) or any transport:reference.</summary>
    public async Task<PullReport> PullAsync(PullOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        PullReport report = await PullCoreAsync(options, cancellationToken).ConfigureAwait(false);
        foreach (string id in report.ImageIds)
        {
            Events.Image("pull", id, options.Name);
        }
        return report;
    }

    private async Task<PullReport> PullCoreAsync(PullOptions options, CancellationToken cancellationToken)
    {
        using RegistrySession session = OpenSession(options.Access);
        TransportRegistry transports = CreateTransports(session, _store);
        var copyOptions = new CopyOptions { Progress = options.Progress, Platform = options.Platform, RemoveSignatures = options.RemoveSignatures };

        if (HasTransportPrefix(transports, options.Name) && !options.Name.StartsWith("docker://", StringComparison.Ordinal))
        {
            IImageReference source = transports.ParseImageName(options.Name);
            Reference? name = source.DockerReference;
            string? id0 = name is null ? await ConfigIdOfAsync(source, cancellationToken).ConfigureAwait(false) : null;
            CopyResult r = await new ImageCopier().CopyAsync(source, StorageTransport.NewReference(name, id0), copyOptions, cancellationToken).ConfigureAwait(false);
            return new PullReport([r.ConfigDigest.Encoded]);
        }

        string raw = options.Name.StartsWith("docker://", StringComparison.Ordinal) ? options.Name["docker://".Length..] : options.Name;
        IReadOnlyList<Reference> candidates = Candidates(session.Conf, raw);
        if (options.AllTags)
        {
            if (candidates[0].Tag is not null && raw.Contains(':', StringComparison.Ordinal) && !raw.Contains('@', StringComparison.Ordinal)
                && raw.LastIndexOf(':') > raw.LastIndexOf('/'))
            {
                throw new SkiffException("--all-tags requires a reference without a tag");
            }
            Reference repo = candidates[0].WithoutTagOrDigest();
            RegistryClient client = session.ClientFor(repo.Domain);
            var ids = new List<string>();
            foreach (string tag in await client.ListTagsAsync(repo.Path, cancellationToken).ConfigureAwait(false))
            {
                ids.Add(await PullOneAsync(session, repo.WithTag(tag), copyOptions, options.Log, cancellationToken).ConfigureAwait(false));
            }
            return new PullReport(ids);
        }

        var errors = new List<Exception>();
        foreach (Reference candidate in candidates)
        {
            try
            {
                return new PullReport([await PullOneAsync(session, candidate, copyOptions, options.Log, cancellationToken).ConfigureAwait(false)]);
            }
            catch (RegistryException e) when (candidates.Count > 1)
            {
                errors.Add(e);
            }
        }
        throw new SkiffException($"{raw}: " + string.Join("; ", errors.Select(e => e.Message)));
    }

    private async Task<string> PullOneAsync(RegistrySession session, Reference reference, CopyOptions copyOptions, Action<string>? log, CancellationToken cancellationToken)
    {
        log?.Invoke($"Trying to pull {reference}...");
        var source = new DockerTransport(session).NewReference(reference);
        CopyResult r = await new ImageCopier().CopyAsync(source, StorageTransport.NewReference(reference), copyOptions, cancellationToken).ConfigureAwait(false);
        return r.ConfigDigest.Encoded;
    }

    /// <summary>The names podman tries for a user's input: itself when qualified, else aliases or search registries.</summary>
    public static IReadOnlyList<Reference> Candidates(RegistriesConf conf, string name)
    {
        if (!Reference.IsShortName(name))
        {
            return [Reference.Parse(name).TagOrLatest()];
        }
        IReadOnlyList<string> resolved = conf.ResolveShortName(name);
        if (resolved.Count == 0)
        {
            throw new SkiffException(
                $"short-name \"{name}\" did not resolve to an alias and no unqualified-search registries are defined in \"/etc/containers/registries.conf\"");
        }
        return resolved.Select(r => Reference.Parse(r).TagOrLatest()).ToList();
    }

    private static bool HasTransportPrefix(TransportRegistry transports, string name)
    {
        int colon = name.IndexOf(':');
        return colon > 0 && transports.Get(name[..colon]) is not null && !name[..colon].Contains('.', StringComparison.Ordinal);
    }

    /// <summary>podman push: a local image to a registry or any transport.</summary>
    public async Task<PushReport> PushAsync(PushOptions options, CancellationToken cancellationToken = default)
    {
        ImageRecord image = Resolve(options.Source);
        string destinationName = options.Destination ?? options.Source;
        using RegistrySession session = OpenSession(options.Access);
        TransportRegistry transports = CreateTransports(session, _store);
        IImageReference destination = HasTransportPrefix(transports, destinationName)
            ? transports.ParseImageName(destinationName)
            : new DockerTransport(session).NewReference(Reference.Parse(destinationName));
        List<Reference> tags = TagsFor(options.Source, image);
        IImageReference source = StorageTransport.NewReference(tags.FirstOrDefault(), image.Id);
        CopyResult result = await new ImageCopier().CopyAsync(source, destination, new CopyOptions
        {
            Progress = options.Progress,
            Compression = options.Compression ?? Compression.Gzip,
            CompressionLevel = options.CompressionLevel,
            ManifestMediaType = ManifestTypeFor(options.Format),
            RemoveSignatures = options.RemoveSignatures,
        }, cancellationToken).ConfigureAwait(false);
        return new PushReport(result.ManifestDigest);
    }

    public static string? ManifestTypeFor(string? format) => format switch
    {
        null or "" => null,
        "oci" => MediaTypes.OciManifest,
        "v2s2" or "docker" => MediaTypes.DockerManifest,
        "v2s1" => throw new SkiffException("manifest type v2s1 is not supported"),
        _ => throw new SkiffException($"unknown format \"{format}\". Choose one of the supported formats: 'oci', 'v2s2'"),
    };

    /// <summary>Normalises login/logout's argument: drops a scheme and a trailing /v1/ or /v2/ path.</summary>
    public static string NormalizeRegistryKey(string value)
    {
        string key = AuthFile.NormalizeKey(value.Trim());
        return key.TrimEnd('/');
    }

    /// <summary>podman login: checks the credentials against the registry, then stores them.</summary>
    public static async Task<LoginOutcome> LoginAsync(LoginOptions options, CancellationToken cancellationToken = default)
    {
        string key = NormalizeRegistryKey(options.Registry);
        string host = key.Split('/')[0];
        using RegistrySession session = OpenSession(options.Access with { Creds = null });
        if (options.Username is null && options.Password is null)
        {
            RegistryCredentials existing = session.AuthFile.Find(host, key.Contains('/') ? key[(host.Length + 1)..] : null)
                ?? throw new SkiffException($"no credentials for {key}: a username and password are required (-u, -p or --password-stdin)");
            using RegistryClient check = session.NewClient(host, existing);
            await check.CheckLoginAsync(cancellationToken).ConfigureAwait(false);
            return LoginOutcome.AlreadyLoggedIn;
        }
        if (string.IsNullOrEmpty(options.Username))
        {
            throw new SkiffException("username is required: use -u");
        }
        if (string.IsNullOrEmpty(options.Password))
        {
            throw new SkiffException("password is required: use -p or --password-stdin");
        }
        var credentials = new RegistryCredentials(options.Username, options.Password);
        using (RegistryClient client = session.NewClient(host, credentials))
        {
            await client.CheckLoginAsync(cancellationToken).ConfigureAwait(false);
        }
        session.AuthFile.Store(key, credentials);
        return LoginOutcome.LoggedIn;
    }

    /// <summary>podman login --get-login: the stored user name.</summary>
    public static string GetLogin(string registry, RegistryAccess access)
    {
        string key = NormalizeRegistryKey(registry);
        string host = key.Split('/')[0];
        var file = new AuthFile(access.ToOptions() with { Credentials = null });
        RegistryCredentials creds = file.Find(host, key.Contains('/') ? key[(host.Length + 1)..] : null)
            ?? throw new SkiffException($"not logged into {key}");
        return creds.Username;
    }

    /// <summary>podman logout: removes one registry's credentials, or all (<paramref name="registry"/> null).</summary>
    public static void Logout(string? registry, RegistryAccess access)
    {
        var file = new AuthFile(access.ToOptions() with { Credentials = null });
        if (registry is null)
        {
            file.RemoveAll();
            return;
        }
        string key = NormalizeRegistryKey(registry);
        if (!file.Remove(key))
        {
            throw new SkiffException($"not logged into {key}");
        }
    }
}
