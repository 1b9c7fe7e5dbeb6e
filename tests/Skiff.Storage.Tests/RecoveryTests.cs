using System.Text;

namespace Skiff.Storage.Tests;

public class RecoveryTests
{
    [Fact]
    public async Task Open_removes_staging_of_dead_processes_and_unrecorded_layer_dirs()
    {
        using var t = new TestStore();
        LayerRecord kept = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        string tmp = Path.Combine(t.GraphRoot, "tmp");
        string strayStaging = Path.Combine(tmp, "0123456789abcdef01234567");
        Directory.CreateDirectory(Path.Combine(strayStaging, "layer", "diff"));
        File.WriteAllText(strayStaging + ".lock", "");
        string strayTrash = Path.Combine(tmp, "trash-abc");
        Directory.CreateDirectory(strayTrash);
        string unrecorded = Path.Combine(t.GraphRoot, t.Driver, new string('d', 64));
        Directory.CreateDirectory(Path.Combine(unrecorded, "diff"));
        string strayTarSplit = Path.Combine(t.GraphRoot, t.Driver + "-layers", new string('d', 64) + ".tar-split");
        File.WriteAllText(strayTarSplit, "x");
        string strayImage = Path.Combine(t.GraphRoot, t.Driver + "-images", new string('e', 64));
        Directory.CreateDirectory(strayImage);

        t.Reopen();

        Assert.Empty(Directory.GetFileSystemEntries(tmp));
        Assert.False(Directory.Exists(unrecorded));
        Assert.False(File.Exists(strayTarSplit));
        Assert.False(Directory.Exists(strayImage));
        Assert.True(Directory.Exists(Path.Combine(t.GraphRoot, t.Driver, kept.Id, "diff")));
        Assert.Single(t.Store.ListLayers());
    }

    [Fact]
    public async Task Open_keeps_staging_of_a_live_writer()
    {
        using var t = new TestStore();
        using Store other = t.OpenAnother();
        // A second store instance stands in for another process mid-extraction: its staging lock is held.
        var gate = new TaskCompletionSource();
        var release = new TaskCompletionSource();
        var slowLayer = new BlockingStream(Layers.Tar(("a", "1")), gate, release.Task);
        Task<LayerRecord> put = other.PutLayerAsync(slowLayer, null);
        await gate.Task;

        string tmp = Path.Combine(t.GraphRoot, "tmp");
        string[] before = Directory.GetFileSystemEntries(tmp);
        Assert.NotEmpty(before);
        t.Reopen();
        Assert.Equal(before.Order(), Directory.GetFileSystemEntries(tmp).Order());

        release.SetResult();
        LayerRecord layer = await put;
        Assert.NotNull(t.Store.GetLayer(layer.Id));
    }

    [Fact]
    public async Task Interrupted_index_write_is_ignored_and_removed()
    {
        using var t = new TestStore();
        LayerRecord layer = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        string temp = Path.Combine(t.GraphRoot, ".layers.json.tmp-123456789abc");
        File.WriteAllText(temp, "[{\"id\": \"half-writ");

        t.Reopen();

        Assert.False(File.Exists(temp));
        Assert.Equal([layer.Id], t.Store.ListLayers().Select(l => l.Id));
    }

    [Fact]
    public async Task Second_instance_sees_changes_of_the_first()
    {
        using var t = new TestStore();
        using Store other = t.OpenAnother();
        Assert.Empty(other.ListImages());

        ImageRecord image = await t.Store.PutImageAsync(Layers.Image(null, "seen", names: "localhost/seen:latest"));
        Assert.Equal(image.Id, other.FindImage("seen")?.Id);

        await other.AddImageNamesAsync(image.Id, ["localhost/also:1"]);
        Assert.Contains("localhost/also:1", t.Store.FindImage(image.Id)!.Names);

        await t.Store.DeleteImageAsync(image.Id);
        Assert.Empty(other.ListImages());
    }

    [Fact]
    public void Index_files_are_written_only_through_rename()
    {
        using var t = new TestStore();
        t.Store.PutImageAsync(Layers.Image(null, "x")).GetAwaiter().GetResult();
        string images = File.ReadAllText(Path.Combine(t.GraphRoot, "images.json"), Encoding.UTF8);
        Assert.Contains("\"configDigest\"", images);
        Assert.DoesNotContain(Directory.GetFiles(t.GraphRoot), f => Path.GetFileName(f).Contains(".tmp-"));
    }

    [Fact]
    public async Task Crash_after_moving_layer_into_place_leaves_store_as_before()
    {
        using var t = new TestStore();
        byte[] tar = Layers.Tar(("a", "1"));
        t.Store.CrashPoint = point => { if (point == "moved") { throw new SimulatedCrashException(); } };
        await Assert.ThrowsAsync<SimulatedCrashException>(() => Layers.PutAsync(t.Store, tar));

        t.Reopen();

        Assert.Empty(t.Store.ListLayers());
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver)), d => Path.GetFileName(d) is not ("l" or "empty"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver + "-layers")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, "tmp")));
        LayerRecord layer = await Layers.PutAsync(t.Store, tar);
        Assert.True(File.Exists(Path.Combine(t.GraphRoot, t.Driver, layer.Id, "diff", "a")));
    }

    [Fact]
    public async Task Crash_after_committing_a_removal_leaves_no_leftovers()
    {
        using var t = new TestStore();
        LayerRecord layer = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        ImageRecord image = await t.Store.PutImageAsync(Layers.Image(layer.Id, "gone"));
        ContainerRecord container = await t.Store.CreateContainerAsync(image.Id, "c", null);
        t.Store.CrashPoint = point => { if (point == "committed") { throw new SimulatedCrashException(); } };
        await Assert.ThrowsAsync<SimulatedCrashException>(() => t.Store.DeleteImageAsync(image.Id, force: true));

        t.Reopen();

        Assert.Empty(t.Store.ListImages());
        Assert.Empty(t.Store.ListLayers());
        Assert.Empty(t.Store.ListContainers());
        Assert.DoesNotContain(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver)), d => Path.GetFileName(d) is not ("l" or "empty"));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver + "-images")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver + "-containers")));
        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, t.Driver + "-layers")));
        Assert.False(Directory.Exists(t.Store.GetContainerRunDirectory(container.Id)));
    }

    private sealed class SimulatedCrashException() : Exception("simulated crash");

    /// <summary>Serves the first bytes, then signals and waits, so a writer can be caught mid-extraction.</summary>
    private sealed class BlockingStream(byte[] data, TaskCompletionSource reached, Task proceed) : Stream
    {
        private readonly MemoryStream _inner = new(data);

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (_inner.Position > 0)
            {
                reached.TrySetResult();
                await proceed.ConfigureAwait(false);
            }
            return _inner.Read(buffer.Span[..Math.Min(buffer.Length, 512)]);
        }
    }
}
