using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>Images move between Skiff and the real podman and skopeo through a real registry, digests intact.</summary>
public class RegistryInteropTests
{
    private sealed class Podman : IDisposable
    {
        private readonly TempDir _dir = new("skiff-podman");

        public async Task<string> OkAsync(params string[] args)
        {
            ProcessResult r = await ProcessRunner.RunAsync("podman",
                ["--root", _dir.Combine("root"), "--runroot", _dir.Combine("run"), "--storage-driver", "vfs", .. args]);
            Assert.True(r.ExitCode == 0, $"podman {string.Join(' ', args)}: {r}");
            return r.StdOut;
        }

        public void Dispose()
        {
            // podman leaves read-only layer files under vfs; make them removable first.
            ProcessRunner.RunAsync("chmod", ["-R", "u+w", _dir.Path]).GetAwaiter().GetResult();
            _dir.Dispose();
        }
    }

    private static async Task<string> RealSkopeoOk(params string[] args)
    {
        ProcessResult r = await ProcessRunner.RunAsync("skopeo", args);
        Assert.True(r.ExitCode == 0, $"skopeo {string.Join(' ', args)}: {r}");
        return r.StdOut;
    }

    private static bool Available => SkiffCli.Binary is not null && RegistryServer.Available
        && ProcessRunner.Which("podman") is not null && ProcessRunner.Which("skopeo") is not null;

    [SkippableFact]
    public async Task Image_pushed_by_skiff_is_pulled_by_podman_and_skopeo_with_the_same_digests()
    {
        Skip.IfNot(Available, "skiff, docker-registry, podman or skopeo missing");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Basic });
        using var skiff = new SkiffCli();
        using var podman = new Podman();
        string id = (await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        string digestFile = skiff.Scratch("digest");
        string image = $"{server.Host}/interop/bb:1";
        await skiff.OkAsync("push", "-q", "--tls-verify=false", "--creds", server.Creds, "--digestfile", digestFile, "bb", image);
        string digest = await File.ReadAllTextAsync(digestFile);

        using (JsonDocument inspect = JsonDocument.Parse(await RealSkopeoOk("inspect", "--tls-verify=false", "--creds", server.Creds, $"docker://{image}")))
        {
            Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());
        }
        string layout = skiff.Scratch("skopeo-layout");
        await RealSkopeoOk("copy", "-q", "--src-tls-verify=false", "--src-creds", server.Creds, $"docker://{image}", $"oci:{layout}:bb");
        Assert.True(Directory.Exists(Path.Combine(layout, "blobs", "sha256")));

        Assert.Equal(id, (await podman.OkAsync("pull", "-q", "--tls-verify=false", "--creds", server.Creds, image)).Trim());
        string repoDigests = await podman.OkAsync("image", "inspect", "--format", "{{.RepoDigests}}", image);
        Assert.Contains($"{server.Host}/interop/bb@{digest}", repoDigests);
    }

    [SkippableFact]
    public async Task Image_pushed_by_podman_is_pulled_by_skiff_with_the_same_id_and_digest()
    {
        Skip.IfNot(Available, "skiff, docker-registry, podman or skopeo missing");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var skiff = new SkiffCli();
        using var podman = new Podman();
        string podmanId = (await podman.OkAsync("import", "-q", Fixtures.BusyboxTar, "bb")).Trim();
        podmanId = podmanId.StartsWith("sha256:", StringComparison.Ordinal) ? podmanId[7..] : podmanId;
        string image = $"{server.Host}/frompodman/bb:1";
        await podman.OkAsync("push", "-q", "--tls-verify=false", "bb", image);
        string digest;
        using (JsonDocument inspect = JsonDocument.Parse(await RealSkopeoOk("inspect", "--tls-verify=false", $"docker://{image}")))
        {
            digest = inspect.RootElement.GetProperty("Digest").GetString()!;
        }
        Assert.Equal(podmanId, (await skiff.OkAsync("pull", "-q", "--tls-verify=false", image)).Trim());
        Assert.Contains($"{server.Host}/frompodman/bb@{digest}", await skiff.OkAsync("image", "inspect", "--format", "{{.RepoDigests}}", image));

        // And skiff's copy of it goes back up unchanged: same manifest digest in another repository.
        string digestFile = skiff.Scratch("digest");
        await skiff.OkAsync("skopeo", "copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false", "--digestfile", digestFile,
            $"docker://{image}", $"docker://{server.Host}/again/bb:1");
        Assert.Equal(digest, await File.ReadAllTextAsync(digestFile));
    }

    [SkippableFact]
    public async Task Skopeo_copies_skiffs_oci_layout_to_the_registry_and_skiff_pulls_it()
    {
        Skip.IfNot(Available, "skiff, docker-registry, podman or skopeo missing");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Tls = true });
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        string id = (await a.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        string layout = a.Scratch("layout");
        await a.OkAsync("save", "--format", "oci-dir", "-o", layout, "bb");
        string image = $"{server.Host}/fromlayout/bb:1";
        await RealSkopeoOk("copy", "-q", "--dest-cert-dir", server.CertDir, $"oci:{layout}", $"docker://{image}");
        Assert.Equal(id, (await b.OkAsync("pull", "-q", "--cert-dir", server.CertDir, image)).Trim());
        // skiff writes an OCI layout skopeo reads back into the registry too.
        string mine = b.Scratch("mine");
        await b.OkAsync("skopeo", "copy", "-q", "--src-cert-dir", server.CertDir, $"docker://{image}", $"oci:{mine}:x");
        await RealSkopeoOk("copy", "-q", "--dest-cert-dir", server.CertDir, $"oci:{mine}:x", $"docker://{server.Host}/roundtrip/bb:1");
        string tags = await RealSkopeoOk("list-tags", "--cert-dir", server.CertDir, $"docker://{server.Host}/roundtrip/bb");
        Assert.Contains("\"1\"", tags);
    }
}
