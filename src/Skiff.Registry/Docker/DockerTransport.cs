using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Registry.Config;

namespace Skiff.Registry.Docker;

/// <summary>The <c>docker://</c> transport: images in registries, reached through a <see cref="RegistrySession"/>.</summary>
public sealed class DockerTransport(RegistrySession session) : IImageTransport
{
    public string Name => "docker";

    public RegistrySession Session => session;

    /// <summary>Parses <c>//NAME[:TAG|@DIGEST]</c>; short names are Docker Hub's, as in skopeo.</summary>
    public IImageReference ParseReference(string reference)
    {
        if (!reference.StartsWith("//", StringComparison.Ordinal))
        {
            throw new ReferenceFormatException($"Invalid image name \"docker:{reference}\": docker references start with //");
        }
        string name = reference[2..];
        Reference parsed = Reference.Parse(name);
        if (parsed.Tag is not null && parsed.Digest is not null)
        {
            throw new ReferenceFormatException($"Docker references with both a tag and digest are currently not supported: \"{name}\"");
        }
        return new DockerImageReference(this, parsed.TagOrLatest());
    }

    public DockerImageReference NewReference(Reference reference) => new(this, reference.TagOrLatest());
}

/// <summary>An image in a registry: <c>docker://registry/repository:tag</c> or <c>@digest</c>.</summary>
public sealed class DockerImageReference(DockerTransport transport, Reference reference) : IImageReference
{
    public IImageTransport Transport => transport;

    public string StringWithinTransport => "//" + reference;

    public Reference Name => reference;

    Reference? IImageReference.DockerReference => reference;

    /// <summary>The tag or digest the registry API takes.</summary>
    public string TagOrDigest => reference.Digest?.ToString() ?? reference.Tag ?? "latest";

    public RegistrySession Session => transport.Session;

    public async Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default)
    {
        RegistrySession session = transport.Session;
        Exception? last = null;
        foreach ((string name, bool insecure) in session.Conf.PullSources(reference.Name))
        {
            Reference at = Reference.Parse(name);
            RegistryClient client = session.ClientFor(at.Domain, insecure);
            var source = new DockerImageSource(this, client, at.Path, session.BlobLocations);
            try
            {
                await source.GetManifestAsync(null, cancellationToken).ConfigureAwait(false);
                return source;
            }
            catch (RegistryException e)
            {
                last = e;
            }
        }
        throw last!;
    }

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default)
    {
        RegistrySession session = transport.Session;
        RegistryEntry? entry = session.Conf.Find(reference.Name);
        if (entry?.Blocked == true)
        {
            throw new SkiffException($"registry {entry.Prefix} is blocked in registries.conf");
        }
        RegistryClient client = session.ClientFor(reference.Domain);
        return Task.FromResult<IImageDestination>(new DockerImageDestination(this, client, reference.Path, session.BlobLocations));
    }

    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        RegistryClient client = transport.Session.ClientFor(reference.Domain);
        await client.DeleteManifestAsync(reference.Path, TagOrDigest, cancellationToken).ConfigureAwait(false);
    }

    public override string ToString() => "docker:" + StringWithinTransport;
}
