using System.Text;
using System.Text.Json.Nodes;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.TestKit;
using Skiff.Transports.Copy;
using Skiff.Transports.Oci;

namespace Skiff.Transports.Tests;

/// <summary>Broken or hostile OCI layouts give typed errors and leave the destination as it was.</summary>
public sealed class HostileLayoutTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ImageCopier _copier = new();
    private readonly MemoryImage _image = RandomImage.Create(new RandomImageOptions { Layers = 2 });

    public void Dispose() => _dir.Dispose();

    private async Task<string> WriteLayoutAsync()
    {
        string path = _dir["layout"];
        await _copier.CopyAsync(new MemoryImageReference(_image), new OciLayoutReference(path, "t"));
        return path;
    }

    private static void EditIndex(string layout, Action<JsonObject> edit)
    {
        string file = Path.Combine(layout, "index.json");
        JsonObject index = JsonNode.Parse(File.ReadAllText(file))!.AsObject();
        edit(index["manifests"]![0]!.AsObject());
        File.WriteAllText(file, index.ToJsonString());
    }

    private async Task<T> CopyOutFailsAsync<T>(string layout) where T : Exception
    {
        var dest = new MemoryImage();
        T e = await Assert.ThrowsAsync<T>(() => _copier.CopyAsync(new OciLayoutReference(layout, "t"), new MemoryImageReference(dest)));
        Assert.True(dest.IsEmpty);
        return e;
    }

    [Fact]
    public async Task Wrong_manifest_digest_in_index_json_is_a_digest_mismatch()
    {
        string layout = await WriteLayoutAsync();
        Digest other = _image.ParseManifest().Config.Digest;
        // Make the blob exist under the claimed name but with other content.
        EditIndex(layout, d => d["digest"] = other.ToString());
        File.Copy(Path.Combine(layout, "blobs", "sha256", _image.Manifest!.Digest.Encoded), Path.Combine(layout, "blobs", "sha256", other.Encoded), overwrite: true);
        EditIndex(layout, d => d["size"] = _image.Manifest.Bytes.Length);
        await CopyOutFailsAsync<DigestMismatchException>(layout);
    }

    [Fact]
    public async Task Missing_layer_blob_is_a_malformed_image()
    {
        string layout = await WriteLayoutAsync();
        Descriptor layer = _image.ParseManifest().Layers[1];
        File.Delete(Path.Combine(layout, "blobs", "sha256", layer.Digest.Encoded));
        MalformedImageException e = await CopyOutFailsAsync<MalformedImageException>(layout);
        Assert.Contains(layer.Digest.ToString(), e.Message);
    }

    [Fact]
    public async Task Corrupted_layer_blob_is_a_digest_mismatch()
    {
        string layout = await WriteLayoutAsync();
        Descriptor layer = _image.ParseManifest().Layers[0];
        string path = Path.Combine(layout, "blobs", "sha256", layer.Digest.Encoded);
        byte[] bytes = File.ReadAllBytes(path);
        bytes[bytes.Length / 2] ^= 0x55;
        File.WriteAllBytes(path, bytes);
        await CopyOutFailsAsync<DigestMismatchException>(layout);
    }

    [Fact]
    public async Task Garbage_manifest_is_a_malformed_image()
    {
        string layout = await WriteLayoutAsync();
        byte[] garbage = Encoding.UTF8.GetBytes("{\"schemaVersion\": 2, \"config\": 17, \"layers\": \"no\"}");
        Digest d = Digest.Compute(garbage);
        File.WriteAllBytes(Path.Combine(layout, "blobs", "sha256", d.Encoded), garbage);
        EditIndex(layout, m =>
        {
            m["digest"] = d.ToString();
            m["size"] = garbage.Length;
        });
        await CopyOutFailsAsync<MalformedImageException>(layout);
    }

    [Fact]
    public async Task Garbage_index_json_is_a_malformed_image()
    {
        string layout = await WriteLayoutAsync();
        File.WriteAllText(Path.Combine(layout, "index.json"), "this is not json");
        await CopyOutFailsAsync<MalformedImageException>(layout);
    }

    [Fact]
    public async Task Absurd_declared_manifest_size_is_refused_before_reading()
    {
        string layout = await WriteLayoutAsync();
        EditIndex(layout, d => d["size"] = 1L << 50);
        await CopyOutFailsAsync<MalformedImageException>(layout);
    }

    [Fact]
    public async Task Negative_size_in_index_json_is_a_malformed_image()
    {
        string layout = await WriteLayoutAsync();
        EditIndex(layout, d => d["size"] = -5);
        await CopyOutFailsAsync<MalformedImageException>(layout);
    }

    [Fact]
    public async Task Digest_with_path_characters_in_index_json_is_refused()
    {
        string layout = await WriteLayoutAsync();
        EditIndex(layout, d => d["digest"] = "sha256:../../../../etc/passwd");
        await CopyOutFailsAsync<MalformedImageException>(layout);
    }

    [Fact]
    public async Task Failed_copy_into_an_existing_layout_leaves_index_json_unchanged()
    {
        string layout = await WriteLayoutAsync();
        byte[] before = File.ReadAllBytes(Path.Combine(layout, "index.json"));
        string[] blobsBefore = Directory.GetFiles(Path.Combine(layout, "blobs", "sha256"));

        MemoryImage bad = RandomImage.Create(new RandomImageOptions { Layers = 1, Seed = 99 });
        Descriptor layer = bad.ParseManifest().Layers[0];
        bad.Blobs[layer.Digest] = [.. bad.Blobs[layer.Digest], 0];
        await Assert.ThrowsAsync<DigestMismatchException>(() => _copier.CopyAsync(new MemoryImageReference(bad), new OciLayoutReference(layout, "t")));

        Assert.Equal(before, File.ReadAllBytes(Path.Combine(layout, "index.json")));
        Assert.Equal(blobsBefore, Directory.GetFiles(Path.Combine(layout, "blobs", "sha256")));
        Assert.Empty(Directory.GetFiles(layout, ".*"));
    }

    [Fact]
    public async Task Missing_tag_names_the_tag()
    {
        string layout = await WriteLayoutAsync();
        var e = await Assert.ThrowsAsync<ImageNotFoundException>(() => new OciLayoutReference(layout, "nope").OpenSourceAsync());
        Assert.Contains("\"nope\"", e.Message);
    }

    [Fact]
    public async Task Truncated_oci_archive_is_a_malformed_image()
    {
        string archive = _dir["a.tar"];
        await _copier.CopyAsync(new MemoryImageReference(_image), new OciArchiveReference(archive));
        byte[] bytes = File.ReadAllBytes(archive);
        File.WriteAllBytes(archive, bytes[..(bytes.Length / 2)]);
        var dest = new MemoryImage();
        await Assert.ThrowsAnyAsync<SkiffException>(() => _copier.CopyAsync(new OciArchiveReference(archive), new MemoryImageReference(dest)));
        Assert.True(dest.IsEmpty);
    }
}

/// <summary>A copy stopped half-way (cancelled, or the source failing) leaves every destination as it was.</summary>
public sealed class InterruptedCopyTests : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ImageCopier _copier = new();

    public void Dispose() => _dir.Dispose();

    /// <summary>A source whose layer streams fail after some bytes, the way a dropped connection would.</summary>
    private sealed class FailingSource(IImageSource inner, Func<Exception> failure) : IImageSource
    {
        public IImageReference Reference => inner.Reference;

        public Task<ManifestBlob> GetManifestAsync(Digest? instance = null, CancellationToken cancellationToken = default) =>
            inner.GetManifestAsync(instance, cancellationToken);

        public async Task<Stream> GetBlobAsync(Descriptor blob, CancellationToken cancellationToken = default)
        {
            Stream s = await inner.GetBlobAsync(blob, cancellationToken);
            return MediaTypes.IsLayer(blob.MediaType) ? new FailingStream(s, blob.Size / 2, failure) : s;
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }

    private sealed class FailingReference(MemoryImageReference inner, Func<Exception> failure) : IImageReference
    {
        public IImageTransport Transport => inner.Transport;
        public string StringWithinTransport => inner.StringWithinTransport;
        public Reference? DockerReference => null;

        public async Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default) =>
            new FailingSource(await inner.OpenSourceAsync(cancellationToken), failure);

        public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
        public Task DeleteAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();
    }

    private sealed class FailingStream(Stream inner, long after, Func<Exception> failure) : Stream
    {
        private long _read;
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => _read; set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override int Read(byte[] buffer, int offset, int count)
        {
            if (_read >= after)
            {
                throw failure();
            }
            int n = inner.Read(buffer, offset, (int)Math.Min(count, Math.Max(1, after - _read)));
            _read += n;
            return n;
        }

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
            }
            base.Dispose(disposing);
        }
    }

    public static TheoryData<string> Destinations() => ["oci:{0}/oci:t", "oci-archive:{0}/o.tar", "dir:{0}/dir", "docker-archive:{0}/d.tar:a/b:c"];

    [Theory]
    [MemberData(nameof(Destinations))]
    public async Task Source_failing_mid_layer_leaves_nothing(string destination)
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2, MaxFileSize = 20000 });
        var source = new FailingReference(new MemoryImageReference(image), () => new IOException("connection reset"));
        IImageReference dest = TransportRegistry.CreateWithFileTransports().ParseImageName(string.Format(System.Globalization.CultureInfo.InvariantCulture, destination, _dir.Path));

        await Assert.ThrowsAsync<IOException>(() => _copier.CopyAsync(source, dest));

        string[] left = Directory.GetFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories)
            .Where(p => !Directory.Exists(p)).ToArray();
        // Only verified blobs under their own digest may remain (as in c/image, for a later retry to reuse).
        foreach (string file in left)
        {
            string name = Path.GetFileName(file);
            Assert.True(Digest.TryParse("sha256:" + name, out Digest d) && image.Blobs.ContainsKey(d), $"unexpected leftover {file}");
        }
        Assert.False(File.Exists(Path.Combine(_dir.Path, "oci", "index.json")));
    }

    [Theory]
    [MemberData(nameof(Destinations))]
    public async Task Cancelled_copy_leaves_nothing(string destination)
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2, MaxFileSize = 20000 });
        var source = new FailingReference(new MemoryImageReference(image), () => new OperationCanceledException());
        IImageReference dest = TransportRegistry.CreateWithFileTransports().ParseImageName(string.Format(System.Globalization.CultureInfo.InvariantCulture, destination, _dir.Path));

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => _copier.CopyAsync(source, dest, new CopyOptions { Compression = Compression.Zstd }));
        Assert.DoesNotContain(Directory.GetFileSystemEntries(_dir.Path, "*", SearchOption.AllDirectories), p => Path.GetFileName(p).StartsWith('.'));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "o.tar")));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "d.tar")));
    }
}
