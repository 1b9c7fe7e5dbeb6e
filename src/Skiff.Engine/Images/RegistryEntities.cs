using Skiff.Image;
using Skiff.Registry;
using Skiff.Transports.Copy;

namespace Skiff.Engine.Images;

/// <summary>How one side of a command reaches registries (podman's --tls-verify, --cert-dir, --authfile, --creds).</summary>
public sealed record RegistryAccess
{
    public bool? TlsVerify { get; init; }
    public string? CertDir { get; init; }
    public string? AuthFile { get; init; }

    /// <summary><c>user[:password]</c>.</summary>
    public string? Creds { get; init; }

    /// <summary>registries.conf to read instead of the system's.</summary>
    public string? RegistriesConf { get; init; }

    public RegistryOptions ToOptions() => new()
    {
        TlsVerify = TlsVerify,
        CertDir = CertDir,
        AuthFile = AuthFile,
        Credentials = Creds is null ? null : RegistryCredentials.Parse(Creds),
        RegistriesConf = RegistriesConf,
        UserAgent = "skiff/0.1",
    };
}

public sealed record PullOptions
{
    public required string Name { get; init; }
    public RegistryAccess Access { get; init; } = new();
    public bool AllTags { get; init; }
    public Platform? Platform { get; init; }

    /// <summary>Copy no signatures (and skip "Getting image source signatures").</summary>
    public bool RemoveSignatures { get; init; }
    public IProgress<CopyProgress>? Progress { get; init; }

    /// <summary>Receives podman's "Trying to pull NAME..." lines (null when quiet).</summary>
    public Action<string>? Log { get; init; }
}

/// <summary>Ids of the images pulled, in order.</summary>
public sealed record PullReport(IReadOnlyList<string> ImageIds);

public sealed record PushOptions
{
    public required string Source { get; init; }

    /// <summary>transport:reference, or a registry reference; null pushes to the source's own name.</summary>
    public string? Destination { get; init; }

    public RegistryAccess Access { get; init; } = new();

    /// <summary>gzip (default) or zstd; null keeps podman's default.</summary>
    public Compression? Compression { get; init; }

    /// <summary>The compressor's level (gzip 0-9, zstd 1-22); null for its default.</summary>
    public int? CompressionLevel { get; init; }

    /// <summary>Manifest type to write: oci, v2s2 (podman push --format).</summary>
    public string? Format { get; init; }

    public bool RemoveSignatures { get; init; }
    public IProgress<CopyProgress>? Progress { get; init; }
}

/// <summary>The digest of the manifest written (what --digestfile records).</summary>
public sealed record PushReport(Digest ManifestDigest);

public sealed record LoginOptions
{
    /// <summary>host[:port][/repository], or a URL (scheme and /v1/ or /v2/ are dropped).</summary>
    public required string Registry { get; init; }
    public string? Username { get; init; }
    public string? Password { get; init; }
    public RegistryAccess Access { get; init; } = new();
}

public enum LoginOutcome
{
    LoggedIn,
    AlreadyLoggedIn,
}

public sealed record CopyImageOptions
{
    public required string Source { get; init; }
    public required string Destination { get; init; }
    public RegistryAccess SourceAccess { get; init; } = new();
    public RegistryAccess DestinationAccess { get; init; } = new();
    public bool All { get; init; }

    /// <summary>oci, v2s2 (skopeo --format), or null to keep.</summary>
    public string? Format { get; init; }

    public Compression? Compression { get; init; }

    /// <summary>The compressor's level (gzip 0-9, zstd 1-22); null for its default.</summary>
    public int? CompressionLevel { get; init; }
    public bool RemoveSignatures { get; init; }
    public Platform? Platform { get; init; }
    public IProgress<CopyProgress>? Progress { get; init; }
}

public sealed record RemoteInspectOptions
{
    public required string Name { get; init; }
    public RegistryAccess Access { get; init; } = new();
    public Platform? Platform { get; init; }

    /// <summary>Leave RepoTags empty instead of listing the repository (skopeo --no-tags).</summary>
    public bool NoTags { get; init; }
}

/// <summary>What <c>skopeo inspect</c> reports, before rendering.</summary>
public sealed record RemoteInspectReport
{
    public string? Name { get; init; }
    public required Digest Digest { get; init; }
    public required IReadOnlyList<string> RepoTags { get; init; }
    public required ImageConfig Config { get; init; }
    public required byte[] RawManifest { get; init; }
    public required byte[] RawConfig { get; init; }
    public required ImageManifest Manifest { get; init; }
}

public sealed record SearchResult(string Index, string Name, string Description, int Stars, bool Official, bool Automated, IReadOnlyList<string>? Tags);
