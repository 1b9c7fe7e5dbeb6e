using System.Formats.Tar;
using System.IO.Compression;
using System.Text;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Interop;

namespace Skiff.Storage.Tests;

/// <summary>A store in its own temp GraphRoot/RunRoot; disposing unmounts and deletes everything.</summary>
internal sealed class TestStore : IDisposable
{
    public TestStore(string driver = "overlay")
    {
        Root = Path.Combine(Path.GetTempPath(), "skiff-storage-" + Guid.NewGuid().ToString("N")[..12]);
        Options = new StoreOptions
        {
            GraphRoot = Path.Combine(Root, "graph"),
            RunRoot = Path.Combine(Root, "run"),
            Driver = driver,
        };
        Store = Store.Open(Options);
    }

    public string Root { get; }
    public StoreOptions Options { get; }
    public Store Store { get; private set; }
    public string GraphRoot => Options.GraphRoot;
    public string Driver => Store.Options.Driver;

    public Store OpenAnother() => Store.Open(Options);

    public void Reopen()
    {
        Store.Dispose();
        Store = Store.Open(Options);
    }

    public void Dispose()
    {
        Store.Dispose();
        string prefix = Root + "/";
        foreach (string mountPoint in Mounts.ListMountPoints().Where(m => m.StartsWith(prefix, StringComparison.Ordinal)).OrderByDescending(m => m.Length))
        {
            try
            {
                Mounts.Unmount(mountPoint, Mounts.MNT_DETACH);
            }
            catch (SystemCallException)
            {
            }
        }
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}

/// <summary>Small layer tars built in memory.</summary>
internal static class Layers
{
    public static byte[] Tar(params (string Path, string? Content)[] entries)
    {
        using var ms = new MemoryStream();
        using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach ((string path, string? content) in entries)
            {
                if (content is null)
                {
                    writer.WriteEntry(new PaxTarEntry(TarEntryType.Directory, path) { Mode = (UnixFileMode)0x1ed, ModificationTime = DateTimeOffset.UnixEpoch });
                    continue;
                }
                var entry = new PaxTarEntry(TarEntryType.RegularFile, path)
                {
                    Mode = (UnixFileMode)0x1a4,
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content)),
                };
                writer.WriteEntry(entry);
            }
        }
        return ms.ToArray();
    }

    public static byte[] Gzip(byte[] data)
    {
        using var ms = new MemoryStream();
        using (var gz = new GZipStream(ms, CompressionLevel.Fastest, leaveOpen: true))
        {
            gz.Write(data);
        }
        return ms.ToArray();
    }

    public static Task<LayerRecord> PutAsync(Store store, byte[] tar, string? parent = null) =>
        store.PutLayerAsync(new MemoryStream(tar), parent);

    public static NewImage Image(string? topLayer, string tag, string? created = "2024-01-02T03:04:05Z", params string[] names)
    {
        string config = created is null
            ? $"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"tag\":\"{tag}\"}}"
            : $"{{\"architecture\":\"amd64\",\"os\":\"linux\",\"created\":\"{created}\",\"tag\":\"{tag}\"}}";
        string manifest = $"{{\"schemaVersion\":2,\"mediaType\":\"{MediaTypes.OciManifest}\",\"tag\":\"{tag}\"}}";
        return new NewImage
        {
            ConfigBytes = Encoding.UTF8.GetBytes(config),
            Manifest = new ManifestBlob(Encoding.UTF8.GetBytes(manifest), MediaTypes.OciManifest),
            TopLayer = topLayer,
            Names = names,
        };
    }
}
