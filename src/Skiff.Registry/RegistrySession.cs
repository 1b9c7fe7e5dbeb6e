using System.Collections.Concurrent;
using Skiff.Image;
using Skiff.Registry.Auth;
using Skiff.Registry.Config;

namespace Skiff.Registry;

/// <summary>
/// Everything one side of a command needs to talk to registries: options, registries.conf, auth.json, one client per
/// registry (so tokens and connections are reused), and where blobs were seen (for cross-repository mounts).
/// </summary>
public sealed class RegistrySession : IDisposable
{
    private readonly ConcurrentDictionary<(string Registry, bool? Insecure), RegistryClient> _clients = new();

    public RegistrySession(RegistryOptions? options = null, RegistriesConf? conf = null, BlobLocations? blobLocations = null)
    {
        Options = options ?? new RegistryOptions();
        Conf = conf ?? RegistriesConf.Load(Options.RegistriesConf, Options.Environment);
        AuthFile = new AuthFile(Options);
        BlobLocations = blobLocations ?? new BlobLocations();
    }

    public RegistryOptions Options { get; }
    public RegistriesConf Conf { get; }
    public AuthFile AuthFile { get; }
    public BlobLocations BlobLocations { get; }

    /// <summary>The credentials used for a registry: <c>--creds</c>, else auth.json.</summary>
    public RegistryCredentials? CredentialsFor(string registry, string? repository = null) =>
        Options.Credentials ?? AuthFile.Find(registry, repository);

    /// <summary>Whether TLS is verified for the registry: the option when given, else not for registries.conf's insecure ones.</summary>
    public bool TlsVerifyFor(string registry, bool insecureEntry = false) =>
        Options.TlsVerify ?? !(insecureEntry || Conf.IsInsecure(registry));

    /// <summary>The shared client of a registry (created on first use).</summary>
    public RegistryClient ClientFor(string registry, bool insecureEntry = false) =>
        _clients.GetOrAdd((registry, insecureEntry ? true : null), key => new RegistryClient(
            key.Registry, Options, CredentialsFor(key.Registry), TlsVerifyFor(key.Registry, insecureEntry)));

    /// <summary>A client with explicit credentials (login checks them before they are stored).</summary>
    public RegistryClient NewClient(string registry, RegistryCredentials? credentials) =>
        new(registry, Options, credentials, TlsVerifyFor(registry));

    public void Dispose()
    {
        foreach (RegistryClient c in _clients.Values)
        {
            c.Dispose();
        }
        _clients.Clear();
    }
}

/// <summary>Which repositories of which registries are known to hold a blob (seen while reading or writing).</summary>
public sealed class BlobLocations
{
    private readonly ConcurrentDictionary<Digest, ConcurrentDictionary<(string Registry, string Repository), byte>> _seen = new();

    public void Record(Digest digest, string registry, string repository) =>
        _seen.GetOrAdd(digest, _ => new()).TryAdd((registry, repository), 0);

    public IEnumerable<string> RepositoriesOn(Digest digest, string registry) =>
        _seen.TryGetValue(digest, out var where) ? where.Keys.Where(k => k.Registry == registry).Select(k => k.Repository) : [];
}
