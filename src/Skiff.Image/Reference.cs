using System.Text.RegularExpressions;

namespace Skiff.Image;

/// <summary>
/// An image reference in the docker/reference grammar: <c>[domain/]path[:tag][@digest]</c>.
/// Instances are always fully qualified (they carry a domain); how a short name gets its domain
/// is chosen by the parse method.
/// </summary>
public sealed partial record Reference
{
    public const string DockerHub = "docker.io";
    public const string LocalDomain = "localhost";
    private const int MaxNameLength = 255;

    public string Domain { get; }
    public string Path { get; }
    public string? Tag { get; }
    public Digest? Digest { get; }

    private Reference(string domain, string path, string? tag, Digest? digest)
    {
        Domain = domain;
        Path = path;
        Tag = tag;
        Digest = digest;
    }

    /// <summary>domain/path, without tag or digest.</summary>
    public string Name => $"{Domain}/{Path}";

    public Reference WithTag(string tag)
    {
        if (!TagRegex().IsMatch(tag))
        {
            throw new ReferenceFormatException($"invalid tag \"{tag}\"");
        }
        return new Reference(Domain, Path, tag, null);
    }

    public Reference WithDigest(Digest digest) => new(Domain, Path, null, digest);

    public Reference WithoutTagOrDigest() => new(Domain, Path, null, null);

    /// <summary>Adds <c>:latest</c> when neither tag nor digest is present.</summary>
    public Reference TagOrLatest() => Tag is null && Digest is null ? new Reference(Domain, Path, "latest", null) : this;

    public override string ToString()
    {
        string s = Name;
        if (Tag is not null)
        {
            s += ":" + Tag;
        }
        if (Digest is { } d)
        {
            s += "@" + d;
        }
        return s;
    }

    /// <summary>Docker normalisation: a short name belongs to Docker Hub (<c>busybox</c> → <c>docker.io/library/busybox</c>).</summary>
    public static Reference Parse(string value) => Parse(value, DockerHub);

    /// <summary>
    /// Podman's normalisation of names it gives to local images (tag, import, commit):
    /// a name without a domain is <c>localhost/NAME</c>; <c>:latest</c> is added when no tag or digest is given.
    /// </summary>
    public static Reference ParseLocal(string value) => Parse(value, LocalDomain).TagOrLatest();

    public static bool TryParse(string value, out Reference? reference)
    {
        try
        {
            reference = Parse(value);
            return true;
        }
        catch (ReferenceFormatException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>True when <paramref name="value"/> names no registry (first component is not a domain).</summary>
    public static bool IsShortName(string value)
    {
        int slash = value.IndexOf('/');
        if (slash < 0)
        {
            return true;
        }
        string first = value[..slash];
        return first.IndexOfAny(['.', ':']) < 0 && first != LocalDomain && first.ToLowerInvariant() == first;
    }

    private static Reference Parse(string value, string defaultDomain)
    {
        if (string.IsNullOrEmpty(value))
        {
            throw new ReferenceFormatException("invalid reference format: empty name");
        }
        string rest = value;
        Digest? digest = null;
        int at = rest.IndexOf('@');
        if (at >= 0)
        {
            string d = rest[(at + 1)..];
            if (!Skiff.Image.Digest.TryParse(d, out Digest parsed))
            {
                throw new ReferenceFormatException($"invalid reference format \"{value}\": bad digest \"{d}\"");
            }
            digest = parsed;
            rest = rest[..at];
        }
        string? tag = null;
        int lastColon = rest.LastIndexOf(':');
        if (lastColon >= 0 && lastColon > rest.LastIndexOf('/'))
        {
            tag = rest[(lastColon + 1)..];
            rest = rest[..lastColon];
            if (!TagRegex().IsMatch(tag))
            {
                throw new ReferenceFormatException($"invalid reference format \"{value}\": bad tag \"{tag}\"");
            }
        }
        string domain;
        string path;
        if (IsShortName(rest))
        {
            domain = defaultDomain;
            path = rest;
            if (domain == DockerHub && !path.Contains('/'))
            {
                path = "library/" + path;
            }
        }
        else
        {
            int slash = rest.IndexOf('/');
            domain = rest[..slash];
            path = rest[(slash + 1)..];
            if (domain == "index.docker.io")
            {
                domain = DockerHub;
            }
            if (!DomainRegex().IsMatch(domain))
            {
                throw new ReferenceFormatException($"invalid reference format \"{value}\": bad domain \"{domain}\"");
            }
        }
        if (path.Any(char.IsAsciiLetterUpper))
        {
            throw new ReferenceFormatException($"invalid reference format \"{value}\": repository name must be lowercase");
        }
        if (!PathRegex().IsMatch(path))
        {
            throw new ReferenceFormatException($"invalid reference format \"{value}\"");
        }
        if (domain.Length + 1 + path.Length > MaxNameLength)
        {
            throw new ReferenceFormatException($"invalid reference format \"{value}\": name longer than {MaxNameLength} characters");
        }
        return new Reference(domain, path, tag, digest);
    }

    [GeneratedRegex(@"^[\w][\w.-]{0,127}$")]
    private static partial Regex TagRegex();

    [GeneratedRegex(@"^[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*)*$")]
    private static partial Regex PathRegex();

    [GeneratedRegex(@"^(?:(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])(?:\.(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9]))*|\[[a-fA-F0-9:]+\])(?::[0-9]+)?$")]
    private static partial Regex DomainRegex();
}
