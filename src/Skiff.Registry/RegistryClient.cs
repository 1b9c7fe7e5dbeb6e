using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Registry.Http;

namespace Skiff.Registry;

/// <summary>
/// A client of one registry (OCI distribution spec / Registry API v2) over an HttpClient handler pipeline:
/// redirects (credentials never follow to another host) → challenge auth (Basic, Bearer tokens per scope) → retry
/// with back-off → sockets with the registry's TLS settings. Manifests are size-capped and their digests checked.
/// </summary>
public sealed partial class RegistryClient : IDisposable
{
    public static readonly string[] ManifestAccept =
    [
        MediaTypes.OciManifest, MediaTypes.OciIndex, MediaTypes.DockerManifest, MediaTypes.DockerManifestList,
    ];

    private readonly HttpClient _http;
    private readonly AuthHandler _auth;
    private readonly bool _tlsVerify;
    private Uri? _base;
    private readonly SemaphoreSlim _pingGate = new(1, 1);

    /// <param name="registry">The registry as references name it (<c>host[:port]</c>; <c>docker.io</c> for Hub).</param>
    public RegistryClient(string registry, RegistryOptions options, RegistryCredentials? credentials, bool tlsVerify)
    {
        Registry = registry;
        Authority = registry == Reference.DockerHub ? "registry-1.docker.io" : registry;
        _tlsVerify = tlsVerify;
        MonolithicLimit = options.MonolithicUploadLimit;
        ChunkSize = options.UploadChunkSize;
        var sockets = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionIdleTimeout = TimeSpan.FromSeconds(30),
            ConnectTimeout = TimeSpan.FromSeconds(30),
        };
        TlsSettings.Configure(sockets, TlsSettings.CertDirFor(Authority, options), tlsVerify);
        _auth = new AuthHandler(Authority, registry, credentials)
        {
            InnerHandler = new RetryHandler(Math.Max(1, options.MaxAttempts), options.RetryDelay) { InnerHandler = sockets },
        };
        var redirect = new RedirectHandler { InnerHandler = _auth };
        _http = new HttpClient(redirect) { Timeout = Timeout.InfiniteTimeSpan };
        _http.DefaultRequestHeaders.UserAgent.ParseAdd(options.UserAgent);
    }

    /// <summary>Registry name as in references (<c>localhost:5000</c>).</summary>
    public string Registry { get; }

    /// <summary>host[:port] the API is served from.</summary>
    public string Authority { get; }

    /// <summary>Tokens fetched so far (one per scope while they last).</summary>
    public int TokensFetched => _auth.TokensFetched;

    /// <summary>The base URI after the ping (https, or http when TLS verification is off and https fails).</summary>
    public async Task<Uri> PingAsync(CancellationToken cancellationToken = default)
    {
        if (_base is { } known)
        {
            return known;
        }
        await _pingGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_base is { } again)
            {
                return again;
            }
            var https = new Uri($"https://{Authority}/");
            Exception? httpsError;
            try
            {
                await PingAtAsync(https, cancellationToken).ConfigureAwait(false);
                return _base = https;
            }
            catch (HttpRequestException e) when (!_tlsVerify)
            {
                httpsError = e;
            }
            catch (HttpRequestException e)
            {
                throw new RegistryException($"pinging container registry {Registry}: {Describe(e)}", Registry, inner: e);
            }
            var http = new Uri($"http://{Authority}/");
            try
            {
                await PingAtAsync(http, cancellationToken).ConfigureAwait(false);
                return _base = http;
            }
            catch (HttpRequestException e)
            {
                throw new RegistryException(
                    $"pinging container registry {Registry}: https: {Describe(httpsError)}; http: {Describe(e)}", Registry, inner: e);
            }
        }
        finally
        {
            _pingGate.Release();
        }
    }

    private async Task PingAtAsync(Uri root, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, "v2/"));
        using HttpResponseMessage response = await _http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode is not (HttpStatusCode.OK or HttpStatusCode.Unauthorized))
        {
            throw new HttpRequestException($"{root}v2/ answered {(int)response.StatusCode} {response.ReasonPhrase}", null, response.StatusCode);
        }
    }

    private static string Describe(Exception? e)
    {
        if (e is null)
        {
            return "";
        }
        string message = e.Message;
        for (Exception? inner = e.InnerException; inner is not null; inner = inner.InnerException)
        {
            message += ": " + inner.Message;
        }
        return message;
    }

    /// <summary>
    /// Checks that the credentials are accepted (podman login): GET /v2/ with whatever the challenge asks for.
    /// Throws a RegistryException with UNAUTHORIZED when they are not.
    /// </summary>
    public async Task CheckLoginAsync(CancellationToken cancellationToken = default)
    {
        Uri root = await PingAsync(cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(root, "v2/"));
        using HttpResponseMessage response = await SendAsync(request, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Unauthorized)
        {
            throw new RegistryException($"authenticating to {Registry}: invalid username/password", Registry,
                statusCode: HttpStatusCode.Unauthorized, errorCode: "UNAUTHORIZED");
        }
        await EnsureSuccessAsync(response, "logging in to", null, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, string? scope, CancellationToken cancellationToken,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        if (scope is not null)
        {
            request.Options.Set(RequestScope.Scope, scope);
        }
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e)
        {
            throw new RegistryException($"{request.Method} {request.RequestUri?.GetLeftPart(UriPartial.Path)}: {Describe(e)}", Registry, inner: e);
        }
    }

    internal async Task<Uri> UriAsync(string path, CancellationToken cancellationToken) =>
        new(await PingAsync(cancellationToken).ConfigureAwait(false), path);

    /// <summary>Throws a RegistryException built from the registry's error body unless the response succeeded.</summary>
    internal async Task EnsureSuccessAsync(HttpResponseMessage response, string action, string? repository, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        throw await ErrorAsync(response, action, repository, cancellationToken).ConfigureAwait(false);
    }

    internal async Task<RegistryException> ErrorAsync(HttpResponseMessage response, string action, string? repository, CancellationToken cancellationToken)
    {
        string? code = null;
        string? detail = null;
        if (response.RequestMessage?.Method != HttpMethod.Head)
        {
            try
            {
                byte[] body = await ReadCappedAsync(response.Content, 64 * 1024, cancellationToken).ConfigureAwait(false);
                RegistryErrorBody? parsed = body.Length > 0 ? JsonSerializer.Deserialize(body, RegistryJsonContext.Default.RegistryErrorBody) : null;
                RegistryError? first = parsed?.Errors?.FirstOrDefault();
                code = first?.Code;
                detail = first?.Message;
            }
            catch (Exception e) when (e is JsonException or IOException or HttpRequestException or InvalidDataException)
            {
            }
        }
        code ??= response.StatusCode switch
        {
            HttpStatusCode.Unauthorized => "UNAUTHORIZED",
            HttpStatusCode.Forbidden => "DENIED",
            HttpStatusCode.TooManyRequests => "TOOMANYREQUESTS",
            _ => null,
        };
        string where = repository is null ? Registry : $"{Registry}/{repository}";
        string what = code is null
            ? $"{(int)response.StatusCode} {response.ReasonPhrase}"
            : detail is { Length: > 0 } ? $"{code}: {detail}" : code;
        return new RegistryException($"{action} {where}: {what}", Registry, repository, response.StatusCode, code);
    }

    internal static async Task<byte[]> ReadCappedAsync(HttpContent content, long cap, CancellationToken cancellationToken)
    {
        if (content.Headers.ContentLength is long declared && declared > cap)
        {
            throw new InvalidDataException($"body of {declared} bytes exceeds the limit of {cap}");
        }
        await using Stream stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        using var ms = new MemoryStream();
        byte[] buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > cap)
            {
                throw new InvalidDataException($"body exceeds the limit of {cap} bytes");
            }
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }

    public void Dispose()
    {
        _http.Dispose();
        _pingGate.Dispose();
    }

    internal static MediaTypeWithQualityHeaderValue[] AcceptHeaders() =>
        ManifestAccept.Select(m => new MediaTypeWithQualityHeaderValue(m)).ToArray();
}
