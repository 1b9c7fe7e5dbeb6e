namespace Skiff.Registry;

/// <summary>
/// How to reach registries: podman's <c>--tls-verify</c>, <c>--cert-dir</c>, <c>--authfile</c>, <c>--creds</c>
/// and where the configuration files are. One instance serves one side of a copy.
/// </summary>
public sealed record RegistryOptions
{
    /// <summary>null: verify unless registries.conf marks the registry insecure; false allows http and any certificate.</summary>
    public bool? TlsVerify { get; init; }

    /// <summary>Directory with *.crt (CAs), *.cert/*.key (client pairs) used instead of certs.d.</summary>
    public string? CertDir { get; init; }

    /// <summary>auth.json to read and write; null means podman's search order.</summary>
    public string? AuthFile { get; init; }

    /// <summary>Credentials for every registry this options instance reaches (<c>--creds</c>), over auth.json.</summary>
    public RegistryCredentials? Credentials { get; init; }

    /// <summary>Root of certs.d directories; podman's default.</summary>
    public string CertsDRoot { get; init; } = "/etc/containers/certs.d";

    /// <summary>registries.conf to read; null means /etc/containers/registries.conf (and CONTAINERS_REGISTRIES_CONF).</summary>
    public string? RegistriesConf { get; init; }

    public string UserAgent { get; init; } = "skiff/0.1";

    /// <summary>Attempts for retryable failures (429, 5xx, connection errors).</summary>
    public int MaxAttempts { get; init; } = 4;

    /// <summary>First back-off delay; doubled each attempt (a Retry-After header wins).</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Blobs of known digest up to this size go up in one PUT; larger or unknown ones are streamed with PATCH.</summary>
    public long MonolithicUploadLimit { get; init; } = 64L * 1024 * 1024;

    /// <summary>When positive, streamed uploads are sent as PATCH chunks of this many bytes.</summary>
    public int UploadChunkSize { get; init; }

    /// <summary>Environment lookup, replaceable in tests.</summary>
    public Func<string, string?> Environment { get; init; } = System.Environment.GetEnvironmentVariable;
}

/// <summary>A user name and secret for one registry; never printed.</summary>
public sealed record RegistryCredentials(string Username, string Password)
{
    /// <summary>Parses <c>user[:password]</c> as <c>--creds</c> takes it.</summary>
    public static RegistryCredentials Parse(string value)
    {
        int colon = value.IndexOf(':');
        string user = colon < 0 ? value : value[..colon];
        if (user.Length == 0)
        {
            throw new Skiff.Image.SkiffException("credentials: the user name must not be empty");
        }
        return new RegistryCredentials(user, colon < 0 ? "" : value[(colon + 1)..]);
    }

    public override string ToString() => $"{Username}:***";
}
