using System.CommandLine;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Registry;

/// <summary>
/// The registry access flags podman and skopeo share (<c>--tls-verify</c>, <c>--cert-dir</c>, <c>--authfile</c>,
/// <c>--creds</c>), optionally with a prefix (skopeo copy's <c>--src-</c>/<c>--dest-</c>).
/// </summary>
internal sealed class RegistryFlags
{
    public RegistryFlags(string prefix = "", bool creds = true, bool certDir = true)
    {
        TlsVerify = new Option<bool>($"--{prefix}tls-verify")
        {
            Description = "require HTTPS and verify certificates when talking to the container registry",
            DefaultValueFactory = _ => true,
        };
        AuthFile = new Option<string?>($"--{prefix}authfile") { Description = "path of the authentication file. Use REGISTRY_AUTH_FILE environment variable to override" };
        CertDir = certDir ? new Option<string?>($"--{prefix}cert-dir") { Description = "use certificates at the specified path to access the registry" } : null;
        Creds = creds ? new Option<string?>($"--{prefix}creds") { Description = "Use `USERNAME[:PASSWORD]` for accessing the registry" } : null;
    }

    public Option<bool> TlsVerify { get; }
    public Option<string?> AuthFile { get; }
    public Option<string?>? CertDir { get; }
    public Option<string?>? Creds { get; }

    public void AddTo(Command command)
    {
        command.Options.Add(AuthFile);
        if (CertDir is not null)
        {
            command.Options.Add(CertDir);
        }
        if (Creds is not null)
        {
            command.Options.Add(Creds);
        }
        command.Options.Add(TlsVerify);
    }

    /// <summary>The access the flags describe; --tls-verify counts only when given (else registries.conf decides).</summary>
    public RegistryAccess Read(ParseResult parseResult, string? fallbackAuthFile = null)
    {
        bool explicitTls = parseResult.GetResult(TlsVerify) is { Implicit: false };
        string? creds = Creds is null ? null : parseResult.GetValue(Creds);
        if (creds is { Length: 0 })
        {
            throw new SkiffException("credentials: the user name must not be empty");
        }
        return new RegistryAccess
        {
            TlsVerify = explicitTls ? parseResult.GetValue(TlsVerify) : null,
            AuthFile = parseResult.GetValue(AuthFile) ?? fallbackAuthFile,
            CertDir = CertDir is null ? null : parseResult.GetValue(CertDir),
            Creds = creds,
        };
    }

    /// <summary>podman's --platform/--arch/--os/--variant, or null for this machine.</summary>
    public static Platform? ReadPlatform(string? platform, string? arch, string? os, string? variant)
    {
        if (!string.IsNullOrEmpty(platform))
        {
            if (!string.IsNullOrEmpty(arch) || !string.IsNullOrEmpty(os))
            {
                throw new SkiffException("--platform option can not be specified with --arch or --os");
            }
            return Platform.Parse(platform);
        }
        if (string.IsNullOrEmpty(arch) && string.IsNullOrEmpty(os) && string.IsNullOrEmpty(variant))
        {
            return null;
        }
        return Platform.Current with
        {
            Architecture = string.IsNullOrEmpty(arch) ? Platform.Current.Architecture : arch,
            Os = string.IsNullOrEmpty(os) ? Platform.Current.Os : os,
            Variant = string.IsNullOrEmpty(variant) ? null : variant,
        };
    }

    public static Compression? ReadCompression(string? value) => value switch
    {
        null or "" => null,
        "gzip" => Compression.Gzip,
        "zstd" => Compression.Zstd,
        _ => throw new SkiffException($"unsupported compression format \"{value}\": choose gzip or zstd"),
    };

    /// <summary>A compression level checked against the format's range (gzip 0-9, zstd 1-22; gzip when none is named).</summary>
    public static int? ReadCompressionLevel(int? level, Compression? format)
    {
        if (level is not { } l)
        {
            return null;
        }
        (int min, int max) = format == Compression.Zstd ? (1, 22) : (0, 9);
        if (l < min || l > max)
        {
            throw new SkiffException($"invalid compression level {l} for {(format == Compression.Zstd ? "zstd" : "gzip")}: choose {min} to {max}");
        }
        return l;
    }
}
