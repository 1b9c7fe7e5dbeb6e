using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Interop;
using Skiff.Storage;
using Skiff.TestKit;

namespace Skiff.Runtime.Tests;

/// <summary>
/// A private store with the busybox image imported, and a ContainerRuntime over it using the real runc and conmon.
/// Disposing removes every container (killing what runs), unmounts and deletes the tree.
/// </summary>
internal sealed class RuntimeFixture : IDisposable
{
    private RuntimeFixture(string root, Store store, ImageRecord image)
    {
        Root = root;
        Store = store;
        Image = image;
        Runtime = new ContainerRuntime(store, new RuntimeOptions { RunRoot = store.Options.RunRoot });
    }

    public string Root { get; }
    public Store Store { get; }
    public ImageRecord Image { get; }
    public ContainerRuntime Runtime { get; }

    public static bool Available =>
        File.Exists(Fixtures.BusyboxTar) && File.Exists(RuntimeOptions.FindRuntime("runc")) && File.Exists("/usr/bin/conmon");

    public static async Task<RuntimeFixture> CreateAsync()
    {
        string root = Path.Combine("/var/tmp", "skiff-rt-" + Guid.NewGuid().ToString("N")[..10]);
        Store store = Store.Open(new StoreOptions
        {
            GraphRoot = Path.Combine(root, "g"),
            RunRoot = Path.Combine(root, "r"),
            Driver = "overlay",
        });
        LayerRecord layer;
        await using (FileStream tar = File.OpenRead(Fixtures.BusyboxTar))
        {
            layer = await store.PutLayerAsync(tar, null);
        }
        var config = new ImageConfig
        {
            Architecture = "amd64",
            Os = "linux",
            Config = new ContainerConfig { Cmd = ["sh"], Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
            RootFs = new RootFs { DiffIds = [layer.DiffId] },
        };
        byte[] configBytes = config.ToJson();
        var manifest = new ImageManifest
        {
            Config = new Descriptor { MediaType = MediaTypes.OciConfig, Digest = Digest.Compute(configBytes), Size = configBytes.Length },
            Layers = [new Descriptor { MediaType = MediaTypes.OciLayer, Digest = layer.DiffId, Size = layer.UncompressedSize }],
        };
        ImageRecord image = await store.PutImageAsync(new NewImage
        {
            ConfigBytes = configBytes,
            Manifest = new ManifestBlob(manifest.ToJson(), MediaTypes.OciManifest),
            TopLayer = layer.Id,
            Names = ["localhost/busybox:latest"],
        });
        return new RuntimeFixture(root, store, image);
    }

    public ContainerDefinition Definition(params string[] args) => new()
    {
        Id = "",
        ImageId = Image.Id,
        ImageName = "localhost/busybox:latest",
        Args = [.. args],
        Env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"],
        NetworkMode = "none",
    };

    /// <summary>Creates, starts and waits for a container; returns its exit code and log text.</summary>
    public async Task<(int Code, string Log, ContainerInfo Info)> RunAsync(ContainerDefinition def)
    {
        ContainerInfo created = await Runtime.CreateAsync(def);
        await Runtime.StartAsync(created.Record.Id);
        int code = await Runtime.WaitAsync(created.Record.Id).WaitAsync(TimeSpan.FromMinutes(1));
        ContainerInfo info = Runtime.Get(created.Record.Id);
        return (code, ReadLog(info.LogPath), info);
    }

    /// <summary>The text of a k8s-file log (timestamp, stream and tag stripped).</summary>
    public static string ReadLog(string path)
    {
        if (!File.Exists(path))
        {
            return "";
        }
        var sb = new System.Text.StringBuilder();
        foreach (string line in File.ReadAllLines(path))
        {
            string[] parts = line.Split(' ', 4);
            if (parts.Length < 4)
            {
                continue;
            }
            sb.Append(parts[3]);
            if (parts[2] == "F")
            {
                sb.Append('\n');
            }
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        foreach (ContainerInfo c in Runtime.List())
        {
            try
            {
                Runtime.RemoveAsync(c.Record.Id, force: true, timeout: 0).GetAwaiter().GetResult();
            }
            catch (Exception)
            {
            }
        }
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
