using Skiff.Transports.Copy;

namespace Skiff.Engine.Images;

public sealed record SaveOptions
{
    public required IReadOnlyList<string> Names { get; init; }

    /// <summary>File (archives) or directory (oci-dir, docker-dir) to write.</summary>
    public required string Output { get; init; }

    /// <summary>docker-archive (default), oci-archive, oci-dir or docker-dir.</summary>
    public string Format { get; init; } = "docker-archive";

    /// <summary>Compress layers (directory formats only, as podman).</summary>
    public bool Compress { get; init; }

    public IProgress<CopyProgress>? Progress { get; init; }
}

public sealed record LoadOptions
{
    /// <summary>An archive file or a directory (oci layout or dir).</summary>
    public required string Input { get; init; }

    public IProgress<CopyProgress>? Progress { get; init; }
}

/// <summary>The names (or "sha256:ID" for unnamed images) that load stored, in podman's order.</summary>
public sealed record LoadReport(IReadOnlyList<string> Loaded);
