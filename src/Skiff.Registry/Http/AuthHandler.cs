using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Skiff.Registry.Http;

/// <summary>
/// Answers the registry's <c>WWW-Authenticate</c> challenge: Basic with the credentials, or a Bearer token from the
/// token service for the request's scope (cached per scope until it expires, fetched again when refused). Only
/// requests to the registry's own host get an Authorization header; anything else (blob storage after a redirect)
/// goes out without one.
/// </summary>
internal sealed class AuthHandler : DelegatingHandler
{
    private static readonly TimeSpan DefaultTokenLifetime = TimeSpan.FromSeconds(60);

    private readonly string _authority;
    private readonly string _registry;
    private readonly RegistryCredentials? _credentials;
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset Expires)> _tokens = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _tokenGate = new(1, 1);
    private volatile Challenge? _challenge;

    public AuthHandler(string authority, string registry, RegistryCredentials? credentials)
    {
        _authority = authority;
        _registry = registry;
        _credentials = credentials;
    }

    /// <summary>How many tokens were fetched (tests check reuse).</summary>
    public int TokensFetched;

    public Challenge? LastChallenge => _challenge;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        if (!string.Equals(RequestScope.Authority(request.RequestUri!), _authority, StringComparison.OrdinalIgnoreCase))
        {
            request.Headers.Authorization = null;
            return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        }
        string scope = request.Options.TryGetValue(RequestScope.Scope, out string? s) ? s : "";
        bool hadToken = await ApplyAsync(request, scope, refresh: false, cancellationToken).ConfigureAwait(false);
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode != HttpStatusCode.Unauthorized || !RequestScope.CanResend(request))
        {
            return response;
        }
        Challenge? challenge = Challenge.From(response);
        if (challenge is null || (challenge.IsBasic && (_credentials is null || hadToken)))
        {
            return response;
        }
        _challenge = challenge;
        response.Dispose();
        await ApplyAsync(request, scope, refresh: hadToken, cancellationToken).ConfigureAwait(false);
        return await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Sets the Authorization header the last challenge calls for; true when one was set.</summary>
    private async Task<bool> ApplyAsync(HttpRequestMessage request, string scope, bool refresh, CancellationToken cancellationToken)
    {
        Challenge? challenge = _challenge;
        if (challenge is null)
        {
            return false;
        }
        if (challenge.IsBasic)
        {
            if (_credentials is null)
            {
                return false;
            }
            request.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(_credentials));
            return true;
        }
        if (!challenge.IsBearer)
        {
            return false;
        }
        string token = await GetTokenAsync(challenge, scope, refresh, cancellationToken).ConfigureAwait(false);
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return true;
    }

    private static string BasicValue(RegistryCredentials c) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"{c.Username}:{c.Password}"));

    private async Task<string> GetTokenAsync(Challenge challenge, string scope, bool refresh, CancellationToken cancellationToken)
    {
        if (!refresh && _tokens.TryGetValue(scope, out var cached) && cached.Expires > DateTimeOffset.UtcNow)
        {
            return cached.Token;
        }
        await _tokenGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (!refresh && _tokens.TryGetValue(scope, out cached) && cached.Expires > DateTimeOffset.UtcNow)
            {
                return cached.Token;
            }
            var fetched = await FetchTokenAsync(challenge, scope, cancellationToken).ConfigureAwait(false);
            _tokens[scope] = fetched;
            Interlocked.Increment(ref TokensFetched);
            return fetched.Token;
        }
        finally
        {
            _tokenGate.Release();
        }
    }

    private async Task<(string Token, DateTimeOffset Expires)> FetchTokenAsync(Challenge challenge, string scope, CancellationToken cancellationToken)
    {
        if (challenge.Realm is not { } realm || !Uri.TryCreate(realm, UriKind.Absolute, out Uri? realmUri)
            || realmUri.Scheme is not ("http" or "https"))
        {
            throw new RegistryException($"registry {_registry} asks for a bearer token but names no usable token service (realm \"{challenge.Realm}\")", _registry);
        }
        var query = new StringBuilder();
        if (challenge.Service is { } service)
        {
            query.Append("service=").Append(Uri.EscapeDataString(service));
        }
        foreach (string sc in scope.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            query.Append(query.Length > 0 ? "&" : "").Append("scope=").Append(Uri.EscapeDataString(sc));
        }
        var builder = new UriBuilder(realmUri);
        builder.Query = string.IsNullOrEmpty(builder.Query) ? query.ToString() : builder.Query.TrimStart('?') + "&" + query;
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, builder.Uri);
        // Credentials go to the token service only over TLS or on the registry's own host.
        if (_credentials is not null && (realmUri.Scheme == "https" || SameHost(realmUri)))
        {
            tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", BasicValue(_credentials));
        }
        using HttpResponseMessage response = await base.SendAsync(tokenRequest, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            throw new RegistryException(
                $"requesting a token from {realmUri.GetLeftPart(UriPartial.Path)} for {_registry}: {(int)response.StatusCode} {response.ReasonPhrase}"
                + (response.StatusCode == HttpStatusCode.Unauthorized ? ": invalid username/password" : ""),
                _registry, statusCode: response.StatusCode == HttpStatusCode.Unauthorized ? HttpStatusCode.Unauthorized : response.StatusCode,
                errorCode: response.StatusCode == HttpStatusCode.Unauthorized ? "UNAUTHORIZED" : null);
        }
        byte[] body = await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
        TokenResponse? parsed;
        try
        {
            parsed = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.TokenResponse);
        }
        catch (JsonException e)
        {
            throw new RegistryException($"token service for {_registry} answered with invalid JSON: {e.Message}", _registry);
        }
        string token = parsed?.Token ?? parsed?.AccessToken
            ?? throw new RegistryException($"token service for {_registry} answered without a token", _registry);
        TimeSpan lifetime = parsed!.ExpiresIn is int sec and > 0 ? TimeSpan.FromSeconds(sec) : DefaultTokenLifetime;
        // Renew a little early so a token does not expire between check and use.
        return (token, DateTimeOffset.UtcNow + lifetime - TimeSpan.FromSeconds(Math.Min(10, lifetime.TotalSeconds / 10)));
    }

    private bool SameHost(Uri uri)
    {
        string host = _authority;
        int colon = host.LastIndexOf(':');
        if (colon > 0 && !host.EndsWith(']'))
        {
            host = host[..colon];
        }
        return string.Equals(uri.Host, host.Trim('[', ']'), StringComparison.OrdinalIgnoreCase);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _tokenGate.Dispose();
        }
        base.Dispose(disposing);
    }
}
