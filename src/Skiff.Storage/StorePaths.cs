namespace Skiff.Storage;

/// <summary>
/// The on-disk layout. GraphRoot: storage.lock, layers.json, images.json, containers.json, DRIVER/ID/diff (plus work
/// and merged for container layers on overlay, and DRIVER/l/ short links for long lowerdir lists), DRIVER-layers/ID.tar-split,
/// DRIVER-images/ID/{config.json,manifest.json,manifest.mediatype}, DRIVER-containers/ID/userdata, tmp/ (staging and trash).
/// RunRoot: DRIVER-mounts/LAYER-ID (mount counts; gone after a reboot, like the mounts themselves) and
/// DRIVER-containers/ID/userdata (run-time state), DRIVER-layer-locks/HEX.lock (one puller at a time fetches a layer).
/// </summary>
internal sealed class StorePaths(string graphRoot, string runRoot, string driver)
{
    public string GraphRoot { get; } = graphRoot;
    public string RunRoot { get; } = runRoot;
    public string Driver { get; } = driver;

    public string LockFile => Path.Combine(GraphRoot, "storage.lock");
    public string LayersJson => Path.Combine(GraphRoot, "layers.json");
    public string ImagesJson => Path.Combine(GraphRoot, "images.json");
    public string ContainersJson => Path.Combine(GraphRoot, "containers.json");
    public string Tmp => Path.Combine(GraphRoot, "tmp");

    public string LayersDir => Path.Combine(GraphRoot, Driver);
    public string LayerDir(string id) => Path.Combine(LayersDir, id);
    public string LayerDiff(string id) => Path.Combine(LayersDir, id, "diff");
    public string LayerWork(string id) => Path.Combine(LayersDir, id, "work");
    public string LayerMerged(string id) => Path.Combine(LayersDir, id, "merged");
    public string ShortLinks => Path.Combine(LayersDir, "l");
    public string EmptyLower => Path.Combine(LayersDir, "empty");

    public string TarSplitDir => Path.Combine(GraphRoot, Driver + "-layers");
    public string TarSplit(string id) => Path.Combine(TarSplitDir, id + ".tar-split");

    public string ImagesDir => Path.Combine(GraphRoot, Driver + "-images");
    public string ImageDir(string id) => Path.Combine(ImagesDir, id);
    public string ImageConfig(string id) => Path.Combine(ImagesDir, id, "config.json");
    public string ImageManifest(string id) => Path.Combine(ImagesDir, id, "manifest.json");
    public string ImageManifestType(string id) => Path.Combine(ImagesDir, id, "manifest.mediatype");

    /// <summary>Further manifests of the same image (same config, e.g. pulled with other compression).</summary>
    public string ImageManifest(string id, Skiff.Image.Digest digest) => Path.Combine(ImagesDir, id, $"manifest-{digest.Hex}.json");
    public string ImageManifestType(string id, Skiff.Image.Digest digest) => Path.Combine(ImagesDir, id, $"manifest-{digest.Hex}.mediatype");

    public string ContainersDir => Path.Combine(GraphRoot, Driver + "-containers");
    public string ContainerDir(string id) => Path.Combine(ContainersDir, id);
    public string RunContainersDir => Path.Combine(RunRoot, Driver + "-containers");
    public string RunContainerDir(string id) => Path.Combine(RunContainersDir, id);

    public string MountsDir => Path.Combine(RunRoot, Driver + "-mounts");
    public string MountCount(string layerId) => Path.Combine(MountsDir, layerId);

    public string LayerLocksDir => Path.Combine(RunRoot, Driver + "-layer-locks");
    public string LayerLock(Skiff.Image.Digest digest) => Path.Combine(LayerLocksDir, $"{digest.Algorithm}-{digest.Hex}.lock");
}
