using Skiff.Image;

namespace Skiff.Transports.Copy;

/// <summary>Media type mapping between the OCI and Docker v2 schema 2 families.</summary>
internal static class ManifestConversion
{
    public static bool IsDockerFamily(string manifestMediaType) =>
        manifestMediaType is MediaTypes.DockerManifest or MediaTypes.DockerManifestList;

    public static string ConfigFor(bool docker) => docker ? MediaTypes.DockerConfig : MediaTypes.OciConfig;

    public static string LayerFor(string mediaType, bool docker) => (mediaType, docker) switch
    {
        (MediaTypes.OciLayer, true) => MediaTypes.DockerLayer,
        (MediaTypes.OciLayerGzip, true) => MediaTypes.DockerLayerGzip,
        (MediaTypes.OciLayerNondistributableGzip, true) => MediaTypes.DockerForeignLayerGzip,
        (MediaTypes.DockerLayer, false) => MediaTypes.OciLayer,
        (MediaTypes.DockerLayerGzip, false) => MediaTypes.OciLayerGzip,
        (MediaTypes.DockerForeignLayerGzip, false) => MediaTypes.OciLayerNondistributableGzip,
        _ => mediaType,
    };

    /// <summary>The index type matching a manifest family, and back.</summary>
    public static string IndexFor(bool docker) => docker ? MediaTypes.DockerManifestList : MediaTypes.OciIndex;

    public static string ManifestFor(bool docker) => docker ? MediaTypes.DockerManifest : MediaTypes.OciManifest;

    /// <summary>
    /// The manifest type to write: the requested one, else the source's when the destination takes it, else the first
    /// image manifest type the destination lists.
    /// </summary>
    public static string ChooseManifestType(string source, IReadOnlyList<string> supported, string? requested, string where)
    {
        if (requested is not null)
        {
            return supported.Contains(requested)
                ? requested
                : throw new SkiffException($"{where} does not accept manifests of type {requested}");
        }
        if (supported.Contains(source))
        {
            return source;
        }
        return supported.FirstOrDefault(MediaTypes.IsManifest)
            ?? throw new SkiffException($"{where} accepts none of the manifest types Skiff can write ({string.Join(", ", supported)})");
    }
}
