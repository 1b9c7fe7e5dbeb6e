using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.TestKit;

/// <summary>
/// A tiny Docker token service for docker-registry's <c>token</c> auth: checks Basic credentials, grants the
/// requested repository scopes, and signs RS256 JWTs with a key whose self-signed certificate is the registry's
/// <c>rootcertbundle</c> (the JWT's <c>kid</c> is libtrust's fingerprint of that key). Records what it saw.
/// </summary>
public sealed class TokenIssuer : IDisposable
{
    public const string IssuerName = "skiff-test-issuer";

    private readonly HttpListener _listener;
    private readonly RSA _key;
    private readonly string _kid;
    private readonly string _user;
    private readonly string _password;
    private readonly string _service;
    private readonly CancellationTokenSource _stop = new();

    private TokenIssuer(HttpListener listener, RSA key, string certificatePem, string user, string password, string service, int port)
    {
        _listener = listener;
        _key = key;
        CertificatePem = certificatePem;
        _user = user;
        _password = password;
        _service = service;
        Realm = $"http://127.0.0.1:{port}/token";
        _kid = LibtrustKeyId(key.ExportSubjectPublicKeyInfo());
        _ = Task.Run(LoopAsync);
    }

    public string Realm { get; }
    public string CertificatePem { get; }

    /// <summary>The scopes of every token request, in order ("" when none).</summary>
    public ConcurrentQueue<string> Requests { get; } = new();

    /// <summary>Token lifetime in seconds.</summary>
    public int ExpiresIn { get; set; } = 300;

    public static TokenIssuer Start(string user, string password, string service)
    {
        RSA key = RSA.Create(2048);
        var request = new CertificateRequest("CN=skiff token issuer", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using X509Certificate2 cert = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        for (int attempt = 0; ; attempt++)
        {
            int port = RegistryServer.FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                continue;
            }
            return new TokenIssuer(listener, key, cert.ExportCertificatePem() + "\n", user, password, service, port);
        }
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpListenerException)
            {
                return;
            }
            catch (ObjectDisposedException)
            {
                return;
            }
            try
            {
                Handle(context);
            }
            catch (Exception)
            {
                context.Response.StatusCode = 500;
            }
            finally
            {
                context.Response.Close();
            }
        }
    }

    private void Handle(HttpListenerContext context)
    {
        var query = context.Request.QueryString;
        string[] scopes = query.GetValues("scope") ?? [];
        Requests.Enqueue(string.Join(' ', scopes));
        string? auth = context.Request.Headers["Authorization"];
        string? subject = null;
        if (auth is not null && auth.StartsWith("Basic ", StringComparison.Ordinal))
        {
            string plain = Encoding.UTF8.GetString(Convert.FromBase64String(auth[6..]));
            if (plain != $"{_user}:{_password}")
            {
                context.Response.StatusCode = 401;
                return;
            }
            subject = _user;
        }
        var access = new JsonArray();
        if (subject is not null)
        {
            foreach (string scope in scopes)
            {
                string[] parts = scope.Split(':');
                if (parts.Length == 3)
                {
                    var actions = new JsonArray();
                    foreach (string a in parts[2].Split(','))
                    {
                        actions.Add(a == "*" ? "delete" : a);
                    }
                    if (parts[2] == "*")
                    {
                        actions.Add("pull");
                        actions.Add("push");
                    }
                    access.Add(new JsonObject { ["type"] = parts[0], ["name"] = parts[1], ["actions"] = actions });
                }
            }
        }
        long now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var claims = new JsonObject
        {
            ["iss"] = IssuerName,
            ["sub"] = subject ?? "",
            ["aud"] = _service,
            ["exp"] = now + ExpiresIn,
            ["nbf"] = now - 60,
            ["iat"] = now,
            ["jti"] = Guid.NewGuid().ToString("N"),
            ["access"] = access,
        };
        var header = new JsonObject { ["typ"] = "JWT", ["alg"] = "RS256", ["kid"] = _kid };
        string signingInput = B64(Encoding.UTF8.GetBytes(header.ToJsonString())) + "." + B64(Encoding.UTF8.GetBytes(claims.ToJsonString()));
        byte[] signature = _key.SignData(Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        string token = signingInput + "." + B64(signature);
        var body = new JsonObject { ["token"] = token, ["access_token"] = token, ["expires_in"] = ExpiresIn };
        byte[] bytes = Encoding.UTF8.GetBytes(body.ToJsonString());
        context.Response.ContentType = "application/json";
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes);
    }

    private static string B64(byte[] data) => Convert.ToBase64String(data).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>libtrust's key id: SHA-256 of the SPKI DER, first 240 bits, base32, in 4-character groups joined by ':'.</summary>
    private static string LibtrustKeyId(byte[] spki)
    {
        byte[] hash = SHA256.HashData(spki)[..30];
        string b32 = Base32(hash);
        var groups = new List<string>();
        for (int i = 0; i < b32.Length; i += 4)
        {
            groups.Add(b32.Substring(i, Math.Min(4, b32.Length - i)));
        }
        return string.Join(':', groups);
    }

    private static string Base32(byte[] data)
    {
        const string alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        var sb = new StringBuilder();
        int buffer = 0, bits = 0;
        foreach (byte b in data)
        {
            buffer = (buffer << 8) | b;
            bits += 8;
            while (bits >= 5)
            {
                sb.Append(alphabet[(buffer >> (bits - 5)) & 31]);
                bits -= 5;
            }
        }
        if (bits > 0)
        {
            sb.Append(alphabet[(buffer << (5 - bits)) & 31]);
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Close();
        _key.Dispose();
        _stop.Dispose();
    }
}
