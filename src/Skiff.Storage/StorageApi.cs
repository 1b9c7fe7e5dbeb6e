// Contract of Skiff.Storage that Transports and Engine build against. Records and exceptions are final;
// the Store's method bodies live in Store*.cs.
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage;

/// <summary>Where the store lives and which graph driver stacks its layers.</summary>
public sealed record StoreOptions
{
    public const string DefaultGraphRoot = "/var/lib/skiff";
    public const string DefaultRunRoot = "/run/skiff";

    public string GraphRoot { get; init; } = DefaultGraphRoot;
    public string RunRoot { get; init; } = DefaultRunRoot;

    /// <summary>"overlay" (default) or "vfs".</summary>
    public string Driver { get; init; } = "overlay";

    /// <summary>The storage.conf that was read, if any.</summary>
    public string? ConfigFile { get; init; }
}

/// <summary>A layer: keyed by its chain id (hex), holding one diff.</summary>
public sealed record LayerRecord
{
    /// <summary>The chain id's hex (sha256 of "parent-chain-id diff-id", or the diff id for a base layer).</summary>
    public required string Id { get; init; }
    public string? Parent { get; init; }
    public required Digest DiffId { get; init; }

    /// <summary>Size of the uncompressed tar.</summary>
    public long UncompressedSize { get; init; }

    /// <summary>Digest and size of the compressed blob it came from, when it came compressed.</summary>
    public Digest? CompressedDigest { get; init; }
    public long CompressedSize { get; init; }
    public DateTimeOffset Created { get; init; }
}

/// <summary>An image: keyed by its config digest.</summary>
public sealed record ImageRecord
{
    /// <summary>Hex of the config digest (what Podman prints as IMAGE ID).</summary>
    public required string Id { get; init; }
    public required Digest ConfigDigest { get; init; }

    /// <summary>Full names, e.g. "localhost/busybox:latest", "docker.io/library/debian:12". Most recent first.</summary>
    public List<string> Names { get; init; } = [];

    /// <summary>"name@sha256:..." for every repository the manifest is known under.</summary>
    public List<string> RepoDigests { get; init; } = [];

    /// <summary>The digest of the manifest as stored (the one repo digests use).</summary>
    public required Digest ManifestDigest { get; init; }

    /// <summary>Top layer id (chain id hex), null for an image with no layers.</summary>
    public string? TopLayer { get; init; }

    /// <summary>Created time from the config (or store time when absent).</summary>
    public DateTimeOffset Created { get; init; }

    /// <summary>Sum of the uncompressed layer sizes plus config.</summary>
    public long Size { get; init; }

    /// <summary>The image had no name left (dangling), e.g. after its tag moved to a newer image.</summary>
    public bool IsDangling => Names.Count == 0;
}

/// <summary>A container's storage: a read-write layer on top of an image (or of nothing for scratch).</summary>
public sealed record ContainerRecord
{
    public required string Id { get; init; }
    public List<string> Names { get; init; } = [];
    public string? ImageId { get; init; }
    public required string LayerId { get; init; }
    public DateTimeOffset Created { get; init; }

    /// <summary>Opaque JSON the engine or builder keeps with the container.</summary>
    public string? Metadata { get; init; }
}

/// <summary>What to put in the store as an image (layers already stored).</summary>
public sealed record NewImage
{
    public required byte[] ConfigBytes { get; init; }
    public required ManifestBlob Manifest { get; init; }
    public string? TopLayer { get; init; }
    public IReadOnlyList<string> Names { get; init; } = [];
    public IReadOnlyList<string> RepoDigests { get; init; } = [];
}

public sealed record DeleteImageResult(string ImageId, IReadOnlyList<string> Untagged, IReadOnlyList<string> RemovedLayers);

public sealed record CheckProblem(string Kind, string Id, string Description);

public sealed record CheckReport(IReadOnlyList<CheckProblem> Problems, IReadOnlyList<string> Removed);

public sealed record StoreUsage(int Images, int Layers, int Containers, long ImagesSize, long ContainersSize, long ReclaimableImages);

/// <summary>Base of store failures.</summary>
public class StorageException : SkiffException
{
    public StorageException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>The image is used by a container; remove the container or force.</summary>
public sealed class ImageInUseException : StorageException
{
    public ImageInUseException(string message) : base(message) { }
}

public sealed class LayerNotFoundException : StorageException
{
    public LayerNotFoundException(string message) : base(message) { }
}

public sealed class ContainerNotFoundException : StorageException
{
    public ContainerNotFoundException(string message) : base(message) { }
}

/// <summary>A name is already taken by another container.</summary>
public sealed class NameInUseException : StorageException
{
    public NameInUseException(string message) : base(message) { }
}
