using System.Text;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage.Tests;

public class ImageTests
{
    [Fact]
    public async Task PutImage_keys_image_by_config_digest_and_records_sizes()
    {
        using var t = new TestStore();
        LayerRecord l1 = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        LayerRecord l2 = await Layers.PutAsync(t.Store, Layers.Tar(("b", "22")), l1.Id);
        NewImage image = Layers.Image(l2.Id, "one", names: "localhost/one:latest");

        ImageRecord record = await t.Store.PutImageAsync(image);

        Assert.Equal(Digest.Compute(image.ConfigBytes).Hex, record.Id);
        Assert.Equal(Digest.Compute(image.ConfigBytes), record.ConfigDigest);
        Assert.Equal(image.Manifest.Digest, record.ManifestDigest);
        Assert.Equal(l2.Id, record.TopLayer);
        Assert.Equal(new DateTimeOffset(2024, 1, 2, 3, 4, 5, TimeSpan.Zero), record.Created);
        Assert.Equal(l1.UncompressedSize + l2.UncompressedSize + image.ConfigBytes.Length, record.Size);
        Assert.Equal(["localhost/one:latest"], record.Names);
        Assert.Contains($"localhost/one@{image.Manifest.Digest}", record.RepoDigests);
    }

    [Fact]
    public async Task ReadImageConfig_and_manifest_return_what_was_stored()
    {
        using var t = new TestStore();
        NewImage image = Layers.Image(null, "cfg") with
        {
            Manifest = new ManifestBlob(Encoding.UTF8.GetBytes("{\"schemaVersion\":2}"), MediaTypes.DockerManifest),
        };
        ImageRecord record = await t.Store.PutImageAsync(image);

        Assert.Equal(image.ConfigBytes, t.Store.ReadImageConfig(record));
        ManifestBlob manifest = t.Store.ReadImageManifest(record);
        Assert.Equal(image.Manifest.Bytes, manifest.Bytes);
        Assert.Equal(MediaTypes.DockerManifest, manifest.MediaType);
    }

    [Fact]
    public async Task PutImage_refuses_unknown_top_layer()
    {
        using var t = new TestStore();
        await Assert.ThrowsAsync<LayerNotFoundException>(() => t.Store.PutImageAsync(Layers.Image(new string('c', 64), "x")));
        Assert.Empty(t.Store.ListImages());
    }

    [Fact]
    public async Task PutImage_again_adds_names_to_existing_image()
    {
        using var t = new TestStore();
        await t.Store.PutImageAsync(Layers.Image(null, "same", names: "localhost/a:1"));
        ImageRecord again = await t.Store.PutImageAsync(Layers.Image(null, "same", names: "localhost/a:2"));

        Assert.Single(t.Store.ListImages());
        Assert.Equal(["localhost/a:2", "localhost/a:1"], again.Names);
    }

    [Fact]
    public async Task Name_moves_to_newer_image_leaving_old_one_dangling()
    {
        using var t = new TestStore();
        ImageRecord old = await t.Store.PutImageAsync(Layers.Image(null, "old", names: "localhost/app:latest"));
        ImageRecord fresh = await t.Store.PutImageAsync(Layers.Image(null, "new", names: "localhost/app:latest"));

        Assert.True(t.Store.FindImage(old.Id)!.IsDangling);
        Assert.Equal(fresh.Id, t.Store.FindImage("localhost/app:latest")!.Id);
    }

    [Fact]
    public async Task AddImageNames_takes_name_from_other_image_and_RemoveImageNames_untags()
    {
        using var t = new TestStore();
        ImageRecord a = await t.Store.PutImageAsync(Layers.Image(null, "a", names: "localhost/x:latest"));
        ImageRecord b = await t.Store.PutImageAsync(Layers.Image(null, "b"));

        await t.Store.AddImageNamesAsync(b.Id, ["localhost/x:latest", "localhost/y:1"]);
        Assert.Empty(t.Store.FindImage(a.Id)!.Names);
        Assert.Equal(["localhost/x:latest", "localhost/y:1"], t.Store.FindImage(b.Id)!.Names);

        await t.Store.RemoveImageNamesAsync(b.Id, ["localhost/x:latest"]);
        Assert.Equal(["localhost/y:1"], t.Store.FindImage(b.Id)!.Names);
        Assert.Null(t.Store.FindImage("localhost/x:latest"));
    }

    [Fact]
    public async Task FindImage_accepts_short_names_ids_prefixes_and_repo_digests()
    {
        using var t = new TestStore();
        ImageRecord local = await t.Store.PutImageAsync(Layers.Image(null, "local", names: "localhost/busybox:latest"));
        ImageRecord hub = await t.Store.PutImageAsync(Layers.Image(null, "hub", names: "docker.io/library/alpine:latest") with
        {
            RepoDigests = [$"docker.io/library/alpine@sha256:{new string('e', 64)}"],
        });

        Assert.Equal(local.Id, t.Store.FindImage("busybox")?.Id);
        Assert.Equal(local.Id, t.Store.FindImage("busybox:latest")?.Id);
        Assert.Equal(local.Id, t.Store.FindImage("localhost/busybox")?.Id);
        Assert.Equal(hub.Id, t.Store.FindImage("alpine")?.Id);
        Assert.Equal(hub.Id, t.Store.FindImage("docker.io/library/alpine:latest")?.Id);
        Assert.Equal(hub.Id, t.Store.FindImage($"alpine@sha256:{new string('e', 64)}")?.Id);
        Assert.Equal(hub.Id, t.Store.FindImage(hub.Id)?.Id);
        Assert.Equal(hub.Id, t.Store.FindImage("sha256:" + hub.Id)?.Id);
        Assert.Null(t.Store.FindImage("debian"));
        Assert.Null(t.Store.FindImage("alpine:3"));
        if (local.Id[..12] != hub.Id[..12])
        {
            Assert.Equal(hub.Id, t.Store.FindImage(hub.Id[..12])?.Id);
        }
    }

    [Fact]
    public async Task FindImage_with_ambiguous_prefix_throws()
    {
        using var t = new TestStore();
        // Find two configs whose ids share the first three hex digits.
        var seen = new Dictionary<string, string>();
        (string First, string Second) pair = ("", "");
        for (int i = 0; pair.First.Length == 0; i++)
        {
            string tag = "t" + i;
            string prefix = Digest.Compute(Layers.Image(null, tag).ConfigBytes).Hex[..3];
            if (seen.TryGetValue(prefix, out string? other))
            {
                pair = (other, tag);
            }
            seen[prefix] = tag;
        }
        ImageRecord a = await t.Store.PutImageAsync(Layers.Image(null, pair.First));
        await t.Store.PutImageAsync(Layers.Image(null, pair.Second));

        StorageException e = Assert.Throws<StorageException>(() => t.Store.FindImage(a.Id[..3]));
        Assert.Contains("ambiguous", e.Message);
    }

    [Fact]
    public async Task DeleteImage_removes_its_own_layers_and_keeps_shared_ones()
    {
        using var t = new TestStore();
        LayerRecord shared = await Layers.PutAsync(t.Store, Layers.Tar(("base", "0")));
        LayerRecord topA = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")), shared.Id);
        LayerRecord topB = await Layers.PutAsync(t.Store, Layers.Tar(("b", "2")), shared.Id);
        ImageRecord a = await t.Store.PutImageAsync(Layers.Image(topA.Id, "a", names: "localhost/a:latest"));
        ImageRecord b = await t.Store.PutImageAsync(Layers.Image(topB.Id, "b"));

        DeleteImageResult result = await t.Store.DeleteImageAsync(a.Id);

        Assert.Equal(a.Id, result.ImageId);
        Assert.Equal(["localhost/a:latest"], result.Untagged);
        Assert.Equal([topA.Id], result.RemovedLayers);
        Assert.Equal(new[] { shared.Id, topB.Id }.Order(), t.Store.ListLayers().Select(l => l.Id).Order());
        Assert.False(Directory.Exists(Path.Combine(t.GraphRoot, t.Driver, topA.Id)));
        Assert.False(Directory.Exists(Path.Combine(t.GraphRoot, t.Driver + "-images", a.Id)));

        DeleteImageResult second = await t.Store.DeleteImageAsync(b.Id);
        Assert.Equal(2, second.RemovedLayers.Count);
        Assert.Empty(t.Store.ListLayers());
    }

    [Fact]
    public async Task DeleteImage_of_unknown_image_throws_not_found()
    {
        using var t = new TestStore();
        await Assert.ThrowsAsync<ImageNotFoundException>(() => t.Store.DeleteImageAsync("nothere"));
    }

    [Fact]
    public async Task DeleteImage_used_by_container_needs_force()
    {
        using var t = new TestStore();
        LayerRecord layer = await Layers.PutAsync(t.Store, Layers.Tar(("a", "1")));
        ImageRecord image = await t.Store.PutImageAsync(Layers.Image(layer.Id, "img"));
        ContainerRecord container = await t.Store.CreateContainerAsync(image.Id, "c1", null);

        ImageInUseException e = await Assert.ThrowsAsync<ImageInUseException>(() => t.Store.DeleteImageAsync(image.Id));
        Assert.Equal($"image used by {container.Id}: image is in use by a container: consider listing external containers and force-removing image", e.Message);
        Assert.NotNull(t.Store.FindImage(image.Id));

        await t.Store.DeleteImageAsync(image.Id, force: true);
        Assert.Empty(t.Store.ListContainers());
        Assert.Empty(t.Store.ListImages());
        Assert.Empty(t.Store.ListLayers());
    }

    [Fact]
    public async Task Same_config_with_another_manifest_keeps_both_manifests()
    {
        using var t = new TestStore();
        NewImage first = Layers.Image(null, "cfg", names: "localhost/m:1");
        ImageRecord image = await t.Store.PutImageAsync(first);
        var otherManifest = new ManifestBlob(Encoding.UTF8.GetBytes("{\"schemaVersion\":2,\"other\":true}"), MediaTypes.DockerManifest);
        ImageRecord again = await t.Store.PutImageAsync(first with { Manifest = otherManifest, Names = ["quay.io/x/m:2"] });

        Assert.Equal(image.Id, again.Id);
        Assert.Equal(first.Manifest.Digest, again.ManifestDigest);
        Assert.Contains($"quay.io/x/m@{otherManifest.Digest}", again.RepoDigests);
        Assert.Equal(otherManifest.Bytes, t.Store.ReadImageManifest(again, otherManifest.Digest).Bytes);
        Assert.Equal(MediaTypes.DockerManifest, t.Store.ReadImageManifest(again, otherManifest.Digest).MediaType);
        Assert.Equal(first.Manifest.Bytes, t.Store.ReadImageManifest(again, first.Manifest.Digest).Bytes);
        Assert.Throws<ImageNotFoundException>(() => t.Store.ReadImageManifest(again, Digest.Compute("none"u8)));
        Assert.Equal(image.Id, t.Store.FindImage($"quay.io/x/m@{otherManifest.Digest}")?.Id);
    }

    [Fact]
    public async Task FindImage_matches_short_name_against_any_registry_path_suffix()
    {
        using var t = new TestStore();
        ImageRecord quay = await t.Store.PutImageAsync(Layers.Image(null, "quay", names: "quay.io/foo/bar:latest"));
        ImageRecord tagged = await t.Store.PutImageAsync(Layers.Image(null, "tagged", names: "registry.example.com:5000/team/bar:v2"));

        Assert.Equal(quay.Id, t.Store.FindImage("bar")?.Id);
        Assert.Equal(quay.Id, t.Store.FindImage("foo/bar")?.Id);
        Assert.Equal(tagged.Id, t.Store.FindImage("bar:v2")?.Id);
        Assert.Null(t.Store.FindImage("ar"));
        Assert.Null(t.Store.FindImage("bar:v3"));
    }
}
