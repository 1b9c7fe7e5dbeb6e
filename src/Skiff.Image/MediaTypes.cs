namespace Skiff.Image;

/// <summary>The media types Skiff reads and writes (OCI image spec and Docker v2 schema 2).</summary>
public static class MediaTypes
{
    public const string OciManifest = "application/vnd.oci.image.manifest.v1+json";
    public const string OciIndex = "application/vnd.oci.image.index.v1+json";
    public const string OciConfig = "application/vnd.oci.image.config.v1+json";
    public const string OciLayer = "application/vnd.oci.image.layer.v1.tar";
    public const string OciLayerGzip = "application/vnd.oci.image.layer.v1.tar+gzip";
    public const string OciLayerZstd = "application/vnd.oci.image.layer.v1.tar+zstd";
    public const string OciLayerNondistributableGzip = "application/vnd.oci.image.layer.nondistributable.v1.tar+gzip";

    public const string DockerManifest = "application/vnd.docker.distribution.manifest.v2+json";
    public const string DockerManifestList = "application/vnd.docker.distribution.manifest.list.v2+json";
    public const string DockerConfig = "application/vnd.docker.container.image.v1+json";
    public const string DockerLayerGzip = "application/vnd.docker.image.rootfs.diff.tar.gzip";
    public const string DockerLayer = "application/vnd.docker.image.rootfs.diff.tar";
    public const string DockerForeignLayerGzip = "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip";
    public const string DockerManifestV1Signed = "application/vnd.docker.distribution.manifest.v1+prettyjws";

    public static bool IsIndex(string? mediaType) => mediaType is OciIndex or DockerManifestList;

    public static bool IsManifest(string? mediaType) => mediaType is OciManifest or DockerManifest;

    public static bool IsDocker(string? mediaType) => mediaType?.StartsWith("application/vnd.docker.", StringComparison.Ordinal) == true;

    public static bool IsLayer(string? mediaType) =>
        mediaType is OciLayer or OciLayerGzip or OciLayerZstd or OciLayerNondistributableGzip
            or DockerLayerGzip or DockerLayer or DockerForeignLayerGzip;

    /// <summary>The layer media type for <paramref name="compression"/> in the OCI or Docker family.</summary>
    public static string LayerFor(Compression compression, bool docker) => (compression, docker) switch
    {
        (Compression.None, false) => OciLayer,
        (Compression.Gzip, false) => OciLayerGzip,
        (Compression.Zstd, false) => OciLayerZstd,
        (Compression.None, true) => DockerLayer,
        (Compression.Gzip, true) => DockerLayerGzip,
        (Compression.Zstd, true) => OciLayerZstd, // Docker has no zstd type; registries accept the OCI one.
        _ => throw new ArgumentOutOfRangeException(nameof(compression)),
    };

    /// <summary>What the media type says about compression (the bytes themselves are authoritative).</summary>
    public static Compression CompressionOf(string? mediaType) => mediaType switch
    {
        OciLayerGzip or DockerLayerGzip or DockerForeignLayerGzip or OciLayerNondistributableGzip => Compression.Gzip,
        OciLayerZstd => Compression.Zstd,
        _ => Compression.None,
    };
}

public enum Compression
{
    None,
    Gzip,
    Zstd,
}
