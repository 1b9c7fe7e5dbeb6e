// Works on the store given on the command line until killed, printing the number of finished operations.
using System.Formats.Tar;
using System.Text;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;

if (args.Length != 4)
{
    Console.Error.WriteLine("usage: crash-helper GRAPHROOT RUNROOT DRIVER SEED");
    return 2;
}
var random = new Random(int.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture));
using Store store = Store.Open(new StoreOptions { GraphRoot = args[0], RunRoot = args[1], Driver = args[2] });
Console.Out.WriteLine("ready");
Console.Out.Flush();

for (int done = 1; ; done++)
{
    try
    {
        switch (random.Next(5))
        {
            case 0:
            case 1:
                LayerRecord b = await store.PutLayerAsync(new MemoryStream(Tar("base", "b" + random.Next(3), random.Next(1, 64))), null);
                LayerRecord top = await store.PutLayerAsync(new MemoryStream(Tar("top", "t" + random.Next(4), random.Next(1, 64))), b.Id);
                string config = $"{{\"created\":\"2024-01-01T00:00:00Z\",\"rootfs\":{{\"diff_ids\":[\"{b.DiffId}\",\"{top.DiffId}\"]}}}}";
                await store.PutImageAsync(new NewImage
                {
                    ConfigBytes = Encoding.UTF8.GetBytes(config),
                    Manifest = new ManifestBlob(Encoding.UTF8.GetBytes($"{{\"schemaVersion\":2,\"c\":\"{top.Id}\"}}"), MediaTypes.OciManifest),
                    TopLayer = top.Id,
                    Names = [$"localhost/crash{random.Next(4)}:latest"],
                });
                break;
            case 2:
                if (Pick(store.ListImages()) is { } image)
                {
                    await store.CreateContainerAsync(image.Id, null, null);
                }
                break;
            case 3:
                if (Pick(store.ListContainers()) is { } container)
                {
                    await store.DeleteContainerAsync(container.Id);
                }
                break;
            default:
                if (Pick(store.ListImages()) is { } victim)
                {
                    await store.DeleteImageAsync(victim.Id, force: true);
                }
                break;
        }
    }
    catch (Exception e) when (e is ImageNotFoundException or LayerNotFoundException or ContainerNotFoundException)
    {
        // Another helper got there first.
    }
    Console.Out.WriteLine(done);
    Console.Out.Flush();
}

T? Pick<T>(IReadOnlyList<T> items) where T : class => items.Count == 0 ? null : items[random.Next(items.Count)];

static byte[] Tar(string name, string content, int files)
{
    using var ms = new MemoryStream();
    using (var writer = new TarWriter(ms, TarEntryFormat.Pax, leaveOpen: true))
    {
        for (int i = 0; i < files; i++)
        {
            writer.WriteEntry(new PaxTarEntry(TarEntryType.RegularFile, $"{name}/{i}")
            {
                Mode = (UnixFileMode)0x1a4,
                ModificationTime = DateTimeOffset.UnixEpoch,
                DataStream = new MemoryStream(Encoding.UTF8.GetBytes(content + i)),
            });
        }
    }
    return ms.ToArray();
}
