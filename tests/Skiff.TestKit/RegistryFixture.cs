using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Skiff.TestKit;

/// <summary>How a <see cref="RegistryServer"/> authenticates clients.</summary>
public enum RegistryAuth
{
    None,
    Basic,
    Token,
}

/// <summary>What kind of test registry to start.</summary>
public sealed record RegistryServerOptions
{
    public RegistryAuth Auth { get; init; } = RegistryAuth.None;
    public bool Tls { get; init; }
    public string User { get; init; } = "skiffuser";
    public string Password { get; init; } = "skiff-secret-1";

    /// <summary>Log every request (combined log format) into <see cref="RegistryServer.Log"/>, to count fetches.</summary>
    public bool AccessLog { get; init; }
}

/// <summary>
/// A real <c>docker-registry</c> (distribution 2.8) on 127.0.0.1 with a random free port, a temp storage dir and its
/// own config.yml: plain HTTP, htpasswd Basic (bcrypt), TLS with a self-signed CA (its certs dir in
/// <see cref="CertDir"/>, for <c>--cert-dir</c>), or token auth with a <see cref="TokenIssuer"/> in this process.
/// Disposing stops it and removes everything.
/// </summary>
public sealed class RegistryServer : IAsyncDisposable
{
    private readonly TempDir _dir;
    private readonly Process _process;

    private readonly StringBuilder _log;

    private RegistryServer(TempDir dir, Process process, int port, RegistryServerOptions options, TokenIssuer? issuer, StringBuilder log)
    {
        _log = log;
        _dir = dir;
        _process = process;
        Port = port;
        Options = options;
        Issuer = issuer;
    }

    public RegistryServerOptions Options { get; }
    public int Port { get; }
    public string Host => $"127.0.0.1:{Port}";
    public string Scheme => Options.Tls ? "https" : "http";
    public string Root => _dir.Path;

    /// <summary>Directory with ca.crt (the test CA), usable as --cert-dir or certs.d/HOST:PORT.</summary>
    public string CertDir => _dir.Combine("certs");

    public string StorageDir => _dir.Combine("storage");

    public TokenIssuer? Issuer { get; }

    /// <summary>What the registry printed so far (with <see cref="RegistryServerOptions.AccessLog"/>, one line per request).</summary>
    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    /// <summary>How many GET requests for this blob the registry answered with a 2xx, from its access log.</summary>
    public int BlobGets(string repository, Skiff.Image.Digest digest)
    {
        string request = $"\"GET /v2/{repository}/blobs/{digest} HTTP/";
        return Log.Split('\n').Count(line => line.Contains(request, StringComparison.Ordinal) && line.Contains("\" 2", StringComparison.Ordinal));
    }

    public string Creds => $"{Options.User}:{Options.Password}";

    public static bool Available => ProcessRunner.Which("docker-registry") is not null;

    public static async Task<RegistryServer> StartAsync(RegistryServerOptions? options = null)
    {
        options ??= new RegistryServerOptions();
        var dir = new TempDir("skiff-registry");
        try
        {
            Directory.CreateDirectory(dir.Combine("storage"));
            Directory.CreateDirectory(dir.Combine("certs"));
            int port = FreePort();
            var config = new StringBuilder();
            config.Append($"""
                version: 0.1
                log:
                  level: error
                  accesslog:
                    disabled: {(options.AccessLog ? "false" : "true")}
                storage:
                  filesystem:
                    rootdirectory: {dir.Combine("storage")}
                  delete:
                    enabled: true
                http:
                  addr: 127.0.0.1:{port}
                  secret: skiff-test-secret

                """);
            if (options.Tls)
            {
                WriteTlsFiles(dir);
                config.Append($"""
                      tls:
                        certificate: {dir.Combine("server.crt")}
                        key: {dir.Combine("server.key")}

                    """);
            }
            TokenIssuer? issuer = null;
            switch (options.Auth)
            {
                case RegistryAuth.Basic:
                {
                    ProcessResult h = await ProcessRunner.RunAsync("htpasswd", ["-Bbn", options.User, options.Password]);
                    if (h.ExitCode != 0)
                    {
                        throw new InvalidOperationException("htpasswd failed: " + h);
                    }
                    await File.WriteAllTextAsync(dir.Combine("htpasswd"), h.StdOut.Trim() + "\n");
                    config.Append($"""
                        auth:
                          htpasswd:
                            realm: skiff-realm
                            path: {dir.Combine("htpasswd")}

                        """);
                    break;
                }
                case RegistryAuth.Token:
                {
                    issuer = TokenIssuer.Start(options.User, options.Password, "skiff-test-registry");
                    await File.WriteAllTextAsync(dir.Combine("token.crt"), issuer.CertificatePem);
                    config.Append($"""
                        auth:
                          token:
                            realm: {issuer.Realm}
                            service: skiff-test-registry
                            issuer: {TokenIssuer.IssuerName}
                            rootcertbundle: {dir.Combine("token.crt")}

                        """);
                    break;
                }
            }
            await File.WriteAllTextAsync(dir.Combine("config.yml"), config.ToString());
            var psi = new ProcessStartInfo("docker-registry")
            {
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            psi.ArgumentList.Add("serve");
            psi.ArgumentList.Add(dir.Combine("config.yml"));
            var process = Process.Start(psi)!;
            var stderr = new StringBuilder();
            process.ErrorDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
            process.OutputDataReceived += (_, e) => { lock (stderr) { stderr.AppendLine(e.Data); } };
            process.BeginErrorReadLine();
            process.BeginOutputReadLine();
            var server = new RegistryServer(dir, process, port, options, issuer, stderr);
            await server.WaitReadyAsync(() => { lock (stderr) { return stderr.ToString(); } });
            return server;
        }
        catch
        {
            dir.Dispose();
            throw;
        }
    }

    private async Task WaitReadyAsync(Func<string> log)
    {
        // Up to 30 s: on a loaded machine the registry can take a while to start listening.
        for (int i = 0; i < 600; i++)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"docker-registry exited with {_process.ExitCode}: {log()}");
            }
            try
            {
                using var tcp = new TcpClient();
                await tcp.ConnectAsync(IPAddress.Loopback, Port);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(50);
            }
        }
        throw new TimeoutException($"docker-registry did not listen on {Host}: {log()}");
    }

    public static int FreePort()
    {
        var l = new TcpListener(IPAddress.Loopback, 0);
        l.Start();
        int port = ((IPEndPoint)l.LocalEndpoint).Port;
        l.Stop();
        return port;
    }

    /// <summary>A test CA (certs/ca.crt) and a server certificate for 127.0.0.1/localhost signed by it.</summary>
    private static void WriteTlsFiles(TempDir dir)
    {
        using RSA caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=skiff test CA", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using X509Certificate2 ca = caRequest.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));

        using RSA serverKey = RSA.Create(2048);
        var request = new CertificateRequest("CN=127.0.0.1", serverKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddIpAddress(IPAddress.Loopback);
        san.AddDnsName("localhost");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, false));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        byte[] serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using X509Certificate2 server = request.Create(ca, DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(29), serial);

        File.WriteAllText(dir.Combine("certs", "ca.crt"), ca.ExportCertificatePem() + "\n");
        File.WriteAllText(dir.Combine("server.crt"), server.ExportCertificatePem() + "\n");
        File.WriteAllText(dir.Combine("server.key"), serverKey.ExportPkcs8PrivateKeyPem() + "\n");
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill();
                await _process.WaitForExitAsync();
            }
        }
        catch (InvalidOperationException)
        {
        }
        _process.Dispose();
        Issuer?.Dispose();
        _dir.Dispose();
    }
}
