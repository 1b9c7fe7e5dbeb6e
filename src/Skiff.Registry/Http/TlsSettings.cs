using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.Registry.Http;

/// <summary>
/// TLS for one registry: podman's certs.d layout (<c>DIR/*.crt</c> extra CAs, <c>DIR/*.cert</c> + <c>DIR/*.key</c>
/// client pairs) from <c>--cert-dir</c> or <c>/etc/containers/certs.d/HOST[:PORT]</c>, and verification on unless
/// switched off.
/// </summary>
internal static class TlsSettings
{
    public static string? CertDirFor(string authority, RegistryOptions options)
    {
        if (options.CertDir is { Length: > 0 } explicitDir)
        {
            return explicitDir;
        }
        foreach (string root in new[] { options.CertsDRoot, "/etc/docker/certs.d" })
        {
            string dir = Path.Combine(root, authority);
            if (Directory.Exists(dir))
            {
                return dir;
            }
        }
        return null;
    }

    public static void Configure(SocketsHttpHandler handler, string? certDir, bool verify)
    {
        var extraRoots = new X509Certificate2Collection();
        var clientCerts = new X509CertificateCollection();
        if (certDir is not null && Directory.Exists(certDir))
        {
            foreach (string file in Directory.GetFiles(certDir).Order(StringComparer.Ordinal))
            {
                if (file.EndsWith(".crt", StringComparison.Ordinal))
                {
                    extraRoots.ImportFromPemFile(file);
                }
                else if (file.EndsWith(".cert", StringComparison.Ordinal))
                {
                    string key = file[..^5] + ".key";
                    if (!File.Exists(key))
                    {
                        throw new Skiff.Image.SkiffException($"missing key {Path.GetFileName(key)} for client certificate {file}");
                    }
                    clientCerts.Add(X509Certificate2.CreateFromPemFile(file, key));
                }
            }
        }
        handler.SslOptions = new SslClientAuthenticationOptions
        {
            ClientCertificates = clientCerts.Count > 0 ? clientCerts : null,
            RemoteCertificateValidationCallback = (_, certificate, chain, errors) =>
            {
                if (!verify || errors == SslPolicyErrors.None)
                {
                    return true;
                }
                // Only an unknown issuer can be cured by the extra roots; a wrong name cannot.
                if (errors != SslPolicyErrors.RemoteCertificateChainErrors || extraRoots.Count == 0 || certificate is null)
                {
                    return false;
                }
                using var custom = new X509Chain();
                custom.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
                custom.ChainPolicy.CustomTrustStore.AddRange(extraRoots);
                custom.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
                if (chain is not null)
                {
                    foreach (X509ChainElement e in chain.ChainElements)
                    {
                        custom.ChainPolicy.ExtraStore.Add(e.Certificate);
                    }
                }
                return custom.Build(certificate as X509Certificate2 ?? X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
            },
        };
    }
}
