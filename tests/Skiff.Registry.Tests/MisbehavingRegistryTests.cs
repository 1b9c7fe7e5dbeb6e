using System.Net;
using Skiff.Image;
using Skiff.Registry.Config;
using Skiff.Registry.Docker;
using Skiff.TestKit;
using Skiff.Transports.Copy;

namespace Skiff.Registry.Tests;

/// <summary>A registry that lies, breaks off, fails for a while or redirects: nothing unverified is kept, credentials stay home.</summary>
public class MisbehavingRegistryTests
{
    private static RegistrySession Session(string? creds = null, int attempts = 4) => new(new RegistryOptions
    {
        TlsVerify = false,
        Credentials = creds is null ? null : RegistryCredentials.Parse(creds),
        AuthFile = "/nonexistent/auth.json",
        MaxAttempts = attempts,
        RetryDelay = TimeSpan.FromMilliseconds(5),
    }, RegistriesConf.Empty);

    private static Task<CopyResult> PullAsync(RegistrySession session, FakeRegistry fake, MemoryImage into) =>
        new ImageCopier().CopyAsync(new DockerTransport(session).ParseReference($"//{fake.Host}/fake/img:latest"), new MemoryImageReference(into));

    private static Digest FirstLayer(MemoryImage image) => image.ParseManifest().Layers[0].Digest;

    [Fact]
    public async Task Wrong_blob_bytes_for_a_digest_fail_the_pull_and_nothing_is_stored()
    {
        MemoryImage image = RandomImage.Create(2);
        using var fake = new FakeRegistry(image);
        Digest layer = FirstLayer(image);
        fake.Fault = (ctx, path, _) =>
        {
            if (path.EndsWith(layer.ToString(), StringComparison.Ordinal))
            {
                byte[] wrong = (byte[])image.Blobs[layer].Clone();
                wrong[^1] ^= 0xff;
                FakeRegistry.WriteBytes(ctx, wrong);
                return true;
            }
            return false;
        };
        using RegistrySession session = Session();
        var into = new MemoryImage();
        await Assert.ThrowsAsync<DigestMismatchException>(() => PullAsync(session, fake, into));
        Assert.True(into.IsEmpty);
        Assert.Empty(into.Blobs);
    }

    [Fact]
    public async Task A_truncated_blob_body_is_resumed_with_a_range_request()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 1, MaxFileSize = 50000 });
        using var fake = new FakeRegistry(image);
        Digest layer = FirstLayer(image);
        fake.Fault = (ctx, path, attempt) =>
        {
            if (path.EndsWith(layer.ToString(), StringComparison.Ordinal) && attempt == 1)
            {
                FakeRegistry.WriteTruncated(ctx, image.Blobs[layer], image.Blobs[layer].Length / 2);
                return true;
            }
            return false;
        };
        using RegistrySession session = Session();
        var into = new MemoryImage();
        await PullAsync(session, fake, into);
        Assert.Equal(image.Blobs[layer], into.Blobs[layer]);
        Assert.Equal(2, fake.AttemptsAt($"/v2/fake/img/blobs/{layer}"));
    }

    [Fact]
    public async Task A_body_that_is_always_truncated_fails_and_nothing_is_stored()
    {
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 1, MaxFileSize = 50000 });
        using var fake = new FakeRegistry(image);
        Digest layer = FirstLayer(image);
        fake.Fault = (ctx, path, _) =>
        {
            if (path.EndsWith(layer.ToString(), StringComparison.Ordinal))
            {
                // Ignores Range and always sends a short body: resuming cannot help.
                FakeRegistry.WriteTruncated(ctx, image.Blobs[layer], 100);
                return true;
            }
            return false;
        };
        using RegistrySession session = Session();
        var into = new MemoryImage();
        await Assert.ThrowsAnyAsync<SkiffException>(() => PullAsync(session, fake, into));
        Assert.True(into.IsEmpty);
    }

    [Fact]
    public async Task A_manifest_whose_layers_do_not_match_the_config_is_refused()
    {
        MemoryImage image = RandomImage.Create(2);
        ImageManifest m = image.ParseManifest();
        var broken = m with { Layers = [m.Layers[0]] };
        image.Manifest = new Skiff.Image.Transports.ManifestBlob(broken.ToJson(), image.Manifest!.MediaType);
        using var fake = new FakeRegistry(image);
        using RegistrySession session = Session();
        var into = new MemoryImage();
        await Assert.ThrowsAsync<MalformedImageException>(() => PullAsync(session, fake, into));
        Assert.True(into.IsEmpty);
    }

    [Fact]
    public async Task Server_errors_are_retried_until_the_registry_recovers()
    {
        MemoryImage image = RandomImage.Create(1);
        using var fake = new FakeRegistry(image);
        Digest layer = FirstLayer(image);
        fake.Fault = (ctx, path, attempt) =>
        {
            if ((path.EndsWith(layer.ToString(), StringComparison.Ordinal) || path.EndsWith("/latest", StringComparison.Ordinal)) && attempt <= 2)
            {
                ctx.Response.StatusCode = attempt == 1 ? 500 : 429;
                return true;
            }
            return false;
        };
        using RegistrySession session = Session();
        var into = new MemoryImage();
        CopyResult r = await PullAsync(session, fake, into);
        Assert.Equal(image.Manifest!.Digest, r.ManifestDigest);
        Assert.Equal(3, fake.AttemptsAt($"/v2/fake/img/blobs/{layer}"));
        Assert.Equal(3, fake.AttemptsAt("/v2/fake/img/manifests/latest"));
    }

    [Fact]
    public async Task Persistent_server_errors_end_in_an_error_naming_registry_and_repository()
    {
        MemoryImage image = RandomImage.Create(1);
        using var fake = new FakeRegistry(image);
        fake.Fault = (ctx, path, _) =>
        {
            if (path.EndsWith("/latest", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 503;
                FakeRegistry.WriteJson(ctx, """{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}""");
                return true;
            }
            return false;
        };
        using RegistrySession session = Session(attempts: 3);
        RegistryException e = await Assert.ThrowsAsync<RegistryException>(() => PullAsync(session, fake, new MemoryImage()));
        Assert.Equal(HttpStatusCode.ServiceUnavailable, e.StatusCode);
        Assert.Equal("UNAVAILABLE", e.ErrorCode);
        Assert.Contains($"{fake.Host}/fake/img", e.Message);
        Assert.Equal(3, fake.AttemptsAt("/v2/fake/img/manifests/latest"));
    }

    [Fact]
    public async Task Credentials_are_not_sent_to_the_host_a_blob_redirects_to()
    {
        MemoryImage image = RandomImage.Create(2);
        using var storage = new FakeRegistry(image);
        using var fake = new FakeRegistry(image, basicCreds: "alice:s3cret");
        storage.Fault = (ctx, path, _) =>
        {
            if (path.StartsWith("/storage/", StringComparison.Ordinal) && Digest.TryParse(path["/storage/".Length..], out Digest d))
            {
                FakeRegistry.WriteBytes(ctx, image.Blobs[d], ctx.Request.Headers["Range"]);
                return true;
            }
            return false;
        };
        fake.Fault = (ctx, path, _) =>
        {
            if (path.StartsWith("/v2/fake/img/blobs/", StringComparison.Ordinal))
            {
                ctx.Response.StatusCode = 307;
                ctx.Response.RedirectLocation = $"http://{storage.Host}/storage/{path["/v2/fake/img/blobs/".Length..]}";
                return true;
            }
            return false;
        };
        using RegistrySession session = Session("alice:s3cret");
        var into = new MemoryImage();
        await PullAsync(session, fake, into);
        Assert.Equal(image.Blobs.Count, into.Blobs.Count);
        Assert.NotEmpty(storage.Requests);
        Assert.All(storage.Requests, r => Assert.Null(r.Authorization));
        Assert.Contains(fake.Requests, r => r.Authorization is not null);
    }

    [Fact]
    public async Task A_manifest_above_the_size_cap_is_refused()
    {
        MemoryImage image = RandomImage.Create(1);
        using var fake = new FakeRegistry(image);
        fake.Fault = (ctx, path, _) =>
        {
            if (path.EndsWith("/latest", StringComparison.Ordinal))
            {
                ctx.Response.ContentType = MediaTypes.OciManifest;
                FakeRegistry.WriteBytes(ctx, new byte[ImageManifest.MaxBytes + 1]);
                return true;
            }
            return false;
        };
        using RegistrySession session = Session();
        MalformedImageException e = await Assert.ThrowsAsync<MalformedImageException>(() => PullAsync(session, fake, new MemoryImage()));
        Assert.Contains("limit", e.Message);
    }

    [Fact]
    public async Task A_manifest_fetched_by_digest_must_hash_to_it()
    {
        MemoryImage image = RandomImage.Create(1);
        using var fake = new FakeRegistry(image);
        Digest real = image.Manifest!.Digest;
        fake.Fault = (ctx, path, _) =>
        {
            if (path.EndsWith(real.ToString(), StringComparison.Ordinal))
            {
                ctx.Response.ContentType = MediaTypes.OciManifest;
                FakeRegistry.WriteBytes(ctx, [.. image.Manifest.Bytes, (byte)' ']);
                return true;
            }
            return false;
        };
        using RegistrySession session = Session();
        await Assert.ThrowsAsync<DigestMismatchException>(() => session.ClientFor(fake.Host).GetManifestAsync("fake/img", real.ToString()));
    }
}
