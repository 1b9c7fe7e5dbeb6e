using System.Net;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Registry.Config;
using Skiff.Registry.Docker;
using Skiff.TestKit;
using Skiff.Transports.Copy;

namespace Skiff.Registry.Tests;

/// <summary>Pushes, pulls, lists and deletes against a real docker-registry in each auth/TLS variant.</summary>
public class RealRegistryTests
{
    public static TheoryData<string> Variants => ["plain", "basic", "tls", "token", "tls+token"];

    private static RegistryServerOptions OptionsFor(string variant) => variant switch
    {
        "plain" => new RegistryServerOptions(),
        "basic" => new RegistryServerOptions { Auth = RegistryAuth.Basic },
        "tls" => new RegistryServerOptions { Tls = true },
        "token" => new RegistryServerOptions { Auth = RegistryAuth.Token },
        "tls+token" => new RegistryServerOptions { Tls = true, Auth = RegistryAuth.Token },
        _ => throw new ArgumentException(variant),
    };

    internal static RegistrySession SessionFor(RegistryServer server, RegistryCredentials? creds = null, string? authFile = null, TempDir? scratch = null) =>
        new(new RegistryOptions
        {
            TlsVerify = server.Options.Tls ? null : false,
            CertDir = server.Options.Tls ? server.CertDir : null,
            Credentials = creds ?? (server.Options.Auth == RegistryAuth.None ? null : RegistryCredentials.Parse(server.Creds)),
            AuthFile = authFile ?? Path.Combine(scratch?.Path ?? Path.GetTempPath(), "no-such-auth-" + Guid.NewGuid().ToString("N") + ".json"),
            RetryDelay = TimeSpan.FromMilliseconds(10),
        }, RegistriesConf.Empty);

    [SkippableTheory]
    [MemberData(nameof(Variants))]
    public async Task Push_pull_list_tags_and_delete_work(string variant)
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(OptionsFor(variant));
        using RegistrySession session = SessionFor(server);
        var transport = new DockerTransport(session);
        MemoryImage image = RandomImage.Create(3);
        var copier = new ImageCopier();

        IImageReference dest = transport.ParseReference($"//{server.Host}/skiff/test:v1");
        CopyResult pushed = await copier.CopyAsync(new MemoryImageReference(image), dest);
        Assert.Equal(image.Manifest!.Digest, pushed.ManifestDigest);

        var back = new MemoryImage();
        CopyResult pulled = await copier.CopyAsync(transport.ParseReference($"//{server.Host}/skiff/test:v1"), new MemoryImageReference(back));
        Assert.Equal(image.Manifest.Digest, pulled.ManifestDigest);
        Assert.Equal(image.Manifest.Bytes, back.Manifest!.Bytes);
        foreach ((Digest d, byte[] bytes) in image.Blobs)
        {
            Assert.Equal(bytes, back.Blobs[d]);
        }

        RegistryClient client = session.ClientFor(server.Host);
        await client.PutManifestAsync("skiff/test", "v2", image.Manifest);
        Assert.Equal(["v1", "v2"], (await client.ListTagsAsync("skiff/test")).Order());

        await transport.ParseReference($"//{server.Host}/skiff/test:v1").DeleteAsync();
        RegistryException gone = await Assert.ThrowsAsync<RegistryException>(() => client.GetManifestAsync("skiff/test", "v1"));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("MANIFEST_UNKNOWN", gone.ErrorCode);
        Assert.Contains($"{server.Host}/skiff/test", gone.Message);
    }

    [SkippableFact]
    public async Task Login_check_accepts_right_and_refuses_wrong_basic_credentials()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Basic });
        using RegistrySession session = SessionFor(server);
        using RegistryClient good = session.NewClient(server.Host, RegistryCredentials.Parse(server.Creds));
        await good.CheckLoginAsync();
        using RegistryClient bad = session.NewClient(server.Host, new RegistryCredentials(server.Options.User, "wrong"));
        RegistryException e = await Assert.ThrowsAsync<RegistryException>(() => bad.CheckLoginAsync());
        Assert.Equal("UNAUTHORIZED", e.ErrorCode);
        Assert.DoesNotContain("wrong", e.Message);
    }

    [SkippableFact]
    public async Task Login_check_refuses_wrong_credentials_at_the_token_service()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Token });
        using RegistrySession session = SessionFor(server);
        using RegistryClient good = session.NewClient(server.Host, RegistryCredentials.Parse(server.Creds));
        await good.CheckLoginAsync();
        using RegistryClient bad = session.NewClient(server.Host, new RegistryCredentials(server.Options.User, "wrong"));
        RegistryException e = await Assert.ThrowsAsync<RegistryException>(() => bad.CheckLoginAsync());
        Assert.Equal("UNAUTHORIZED", e.ErrorCode);
    }

    [SkippableFact]
    public async Task Anonymous_pull_from_a_basic_registry_fails_with_UNAUTHORIZED_naming_the_repository()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Basic });
        using RegistrySession session = SessionFor(server, creds: null);
        using RegistryClient anonymous = session.NewClient(server.Host, null);
        RegistryException e = await Assert.ThrowsAsync<RegistryException>(() => anonymous.GetManifestAsync("some/repo", "latest"));
        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Equal("UNAUTHORIZED", e.ErrorCode);
        Assert.Contains($"{server.Host}/some/repo", e.Message);
    }

    [SkippableFact]
    public async Task Tls_registry_is_refused_without_its_CA_and_reachable_with_tls_verify_off()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Tls = true });
        using var scratch = new TempDir();
        using var strict = new RegistrySession(new RegistryOptions { CertDir = scratch.Path }, RegistriesConf.Empty);
        RegistryException e = await Assert.ThrowsAsync<RegistryException>(() => strict.ClientFor(server.Host).PingAsync());
        Assert.Contains(server.Host, e.Message);

        using var lax = new RegistrySession(new RegistryOptions { TlsVerify = false }, RegistriesConf.Empty);
        Uri root = await lax.ClientFor(server.Host).PingAsync();
        Assert.Equal("https", root.Scheme);

        // certs.d layout: ROOT/HOST:PORT/ca.crt
        Directory.CreateDirectory(scratch.Combine("certs.d", server.Host));
        File.Copy(Path.Combine(server.CertDir, "ca.crt"), scratch.Combine("certs.d", server.Host, "ca.crt"));
        using var certsD = new RegistrySession(new RegistryOptions { CertsDRoot = scratch.Combine("certs.d") }, RegistriesConf.Empty);
        Assert.Equal("https", (await certsD.ClientFor(server.Host).PingAsync()).Scheme);
    }

    [SkippableFact]
    public async Task Plain_http_registry_needs_tls_verify_off_or_an_insecure_entry()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var strict = new RegistrySession(new RegistryOptions(), RegistriesConf.Empty);
        await Assert.ThrowsAsync<RegistryException>(() => strict.ClientFor(server.Host).PingAsync());
        var conf = RegistriesConf.Parse($"[[registry]]\nlocation = \"{server.Host}\"\ninsecure = true\n");
        using var insecure = new RegistrySession(new RegistryOptions(), conf);
        Assert.Equal("http", (await insecure.ClientFor(server.Host).PingAsync()).Scheme);
    }

    [SkippableFact]
    public async Task Bearer_tokens_are_reused_per_scope()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Token });
        using RegistrySession session = SessionFor(server);
        var transport = new DockerTransport(session);
        MemoryImage image = RandomImage.Create(4);
        await new ImageCopier().CopyAsync(new MemoryImageReference(image), transport.ParseReference($"//{server.Host}/tok/img:1"));
        await new ImageCopier().CopyAsync(transport.ParseReference($"//{server.Host}/tok/img:1"), new MemoryImageReference(new MemoryImage()));
        string[] requests = server.Issuer!.Requests.ToArray();
        // One for the ping, one push scope, one pull scope: not one per request.
        Assert.True(requests.Length <= 3, string.Join(" | ", requests));
        Assert.Contains("repository:tok/img:pull,push", requests);
    }

    [SkippableFact]
    public async Task Copy_between_repositories_of_one_registry_mounts_blobs_instead_of_uploading()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Token });
        using RegistrySession session = SessionFor(server);
        var transport = new DockerTransport(session);
        MemoryImage image = RandomImage.Create(3);
        var copier = new ImageCopier();
        await copier.CopyAsync(new MemoryImageReference(image), transport.ParseReference($"//{server.Host}/one/img:1"));
        RegistryClient client = session.ClientFor(server.Host);
        int uploadedBefore = client.BlobsUploaded;
        Assert.Equal((4, 0), (uploadedBefore, client.BlobsMounted));
        CopyResult r = await copier.CopyAsync(transport.ParseReference($"//{server.Host}/one/img:1"), transport.ParseReference($"//{server.Host}/two/img:1"));
        Assert.Equal(image.Manifest!.Digest, r.ManifestDigest);
        Assert.Equal((uploadedBefore, 4), (client.BlobsUploaded, client.BlobsMounted));
        Assert.NotNull(await client.HeadManifestAsync("two/img", "1"));
    }

    [SkippableFact]
    public async Task Recompressed_layers_go_up_in_chunks_with_the_digest_computed_on_the_way()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var session = new RegistrySession(new RegistryOptions { TlsVerify = false, UploadChunkSize = 1000 }, RegistriesConf.Empty);
        var transport = new DockerTransport(session);
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2, MaxFileSize = 20000, Compression = Compression.None });
        CopyResult r = await new ImageCopier().CopyAsync(new MemoryImageReference(image), transport.ParseReference($"//{server.Host}/chunked/img:1"),
            new CopyOptions { Compression = Compression.Zstd });
        var back = new MemoryImage();
        CopyResult pulled = await new ImageCopier().CopyAsync(transport.ParseReference($"//{server.Host}/chunked/img:1"), new MemoryImageReference(back),
            new CopyOptions { Compression = Compression.None });
        Assert.Equal(r.ConfigDigest, pulled.ConfigDigest);
        ImageManifest m = ImageManifest.Parse((await session.ClientFor(server.Host).GetManifestAsync("chunked/img", "1")).Bytes);
        Assert.All(m.Layers, l => Assert.Equal(MediaTypes.OciLayerZstd, l.MediaType));
    }

    [SkippableFact]
    public async Task Pulls_go_to_a_mirror_from_registries_conf_and_blocked_registries_are_refused()
    {
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using (RegistrySession plain = SessionFor(server))
        {
            await new ImageCopier().CopyAsync(new MemoryImageReference(RandomImage.Create(1)),
                new DockerTransport(plain).ParseReference($"//{server.Host}/mirrored/img:1"));
        }
        var conf = RegistriesConf.Parse($"""
            [[registry]]
            prefix = "origin.invalid"
            location = "origin.invalid:1"
            [[registry.mirror]]
            location = "{server.Host}/mirrored"
            insecure = true

            [[registry]]
            location = "{server.Host}/forbidden"
            blocked = true
            insecure = true
            """);
        using var session = new RegistrySession(new RegistryOptions { AuthFile = "/nonexistent/auth.json" }, conf);
        var transport = new DockerTransport(session);
        var into = new MemoryImage();
        await new ImageCopier().CopyAsync(transport.ParseReference("//origin.invalid/img:1"), new MemoryImageReference(into));
        Assert.False(into.IsEmpty);
        SkiffException e = await Assert.ThrowsAsync<SkiffException>(() =>
            new ImageCopier().CopyAsync(transport.ParseReference($"//{server.Host}/forbidden/img:1"), new MemoryImageReference(new MemoryImage())));
        Assert.Contains("blocked", e.Message);
    }
}
