using System.Text.Json;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>pull, push, login, logout and the skopeo verbs against a real docker-registry in each auth/TLS variant.</summary>
public class RegistryCliTests
{
    public static TheoryData<string> Variants => ["plain", "basic", "tls", "token"];

    internal static RegistryServerOptions OptionsFor(string variant) => variant switch
    {
        "plain" => new RegistryServerOptions(),
        "basic" => new RegistryServerOptions { Auth = RegistryAuth.Basic },
        "tls" => new RegistryServerOptions { Tls = true },
        "token" => new RegistryServerOptions { Auth = RegistryAuth.Token },
        _ => throw new ArgumentException(variant),
    };

    /// <summary>The flags that reach this server: http needs --tls-verify=false, TLS needs the test CA.</summary>
    internal static string[] Reach(RegistryServer server, string prefix = "") =>
        server.Options.Tls ? [$"--{prefix}cert-dir", server.CertDir] : [$"--{prefix}tls-verify=false"];

    internal static Task<ProcessResult> Skopeo(params string[] args) =>
        ProcessRunner.RunAsync(SkiffCli.Binary!, ["skopeo", .. args]);

    internal static async Task<string> SkopeoOk(params string[] args)
    {
        ProcessResult r = await Skopeo(args);
        Assert.True(r.ExitCode == 0, $"skiff skopeo {string.Join(' ', args)}: {r}");
        return r.StdOut;
    }

    [SkippableTheory]
    [MemberData(nameof(Variants))]
    public async Task Login_push_pull_list_tags_delete_and_logout_work(string variant)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(OptionsFor(variant));
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        string authFile = a.Scratch("auth.json");
        string id = (await a.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        string image = $"{server.Host}/skiff/bb:v1";
        bool auth = server.Options.Auth != RegistryAuth.None;

        if (auth)
        {
            ProcessResult login = await a.RunAsync(["login", "--authfile", authFile, .. Reach(server), "-u", server.Options.User, "--password-stdin", server.Host],
                System.Text.Encoding.UTF8.GetBytes(server.Options.Password + "\n"));
            Assert.True(login.ExitCode == 0, login.ToString());
            Assert.Equal("Login Succeeded!\n", login.StdOut);
            Assert.Equal(server.Options.User, (await a.OkAsync("login", "--authfile", authFile, "--get-login", server.Host)).Trim());
            Assert.DoesNotContain(server.Options.Password, await File.ReadAllTextAsync(authFile));
        }

        string digestFile = a.Scratch("digest");
        ProcessResult push = await a.RunAsync(["push", "--authfile", authFile, .. Reach(server), "--digestfile", digestFile, "bb", image], null);
        Assert.True(push.ExitCode == 0, push.ToString());
        Assert.Contains("Writing manifest to image destination", push.StdErr);
        string digest = await File.ReadAllTextAsync(digestFile);
        Assert.StartsWith("sha256:", digest);

        ProcessResult pull = await b.RunAsync(["pull", "--authfile", authFile, .. Reach(server), image], null);
        Assert.True(pull.ExitCode == 0, pull.ToString());
        Assert.Equal(id + "\n", pull.StdOut);
        Assert.Contains($"Trying to pull {image}...", pull.StdErr);
        Assert.Contains($"{server.Host}/skiff/bb@{digest}", await b.OkAsync("image", "inspect", "--format", "{{.RepoDigests}}", image));

        string tags = await SkopeoOk(["list-tags", "--authfile", authFile, .. Reach(server), $"docker://{server.Host}/skiff/bb"]);
        using (JsonDocument doc = JsonDocument.Parse(tags))
        {
            Assert.Equal($"{server.Host}/skiff/bb", doc.RootElement.GetProperty("Repository").GetString());
            Assert.Equal(["v1"], doc.RootElement.GetProperty("Tags").EnumerateArray().Select(t => t.GetString()));
        }

        await SkopeoOk(["delete", "--authfile", authFile, .. Reach(server), $"docker://{image}"]);
        ProcessResult gone = await Skopeo(["inspect", "--authfile", authFile, .. Reach(server), $"docker://{image}"]);
        Assert.Equal(1, gone.ExitCode);
        Assert.Contains("MANIFEST_UNKNOWN", gone.StdErr);

        if (auth)
        {
            Assert.Equal($"Removed login credentials for {server.Host}\n", await a.OkAsync("logout", "--authfile", authFile, server.Host));
            ProcessResult anonymous = await a.RunAsync(["push", "--authfile", authFile, .. Reach(server), "bb", image], null);
            Assert.Equal(125, anonymous.ExitCode);
            Assert.Contains("UNAUTHORIZED", anonymous.StdErr);
        }
    }

    [SkippableFact]
    public async Task Login_with_a_wrong_password_fails_and_stores_nothing()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Basic });
        using var a = new SkiffCli();
        string authFile = a.Scratch("auth.json");
        ProcessResult r = await a.RunAsync("login", "--authfile", authFile, "--tls-verify=false", "-u", server.Options.User, "-p", "nope", server.Host);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains("invalid username/password", r.StdErr);
        Assert.DoesNotContain("nope", r.StdErr);
        Assert.False(File.Exists(authFile));
    }

    [SkippableFact]
    public async Task Creds_flag_pushes_without_an_auth_file_and_logout_all_empties_it()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Auth = RegistryAuth.Token });
        using var a = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "bb");
        await a.OkAsync("push", "--tls-verify=false", "--creds", server.Creds, "--authfile", a.Scratch("none.json"), "bb", $"docker://{server.Host}/creds/bb:1");
        string authFile = a.Scratch("auth.json");
        await a.OkAsync("login", "--authfile", authFile, "--tls-verify=false", "-u", server.Options.User, "-p", server.Options.Password, server.Host);
        Assert.Equal("Removed login credentials for all registries\n", await a.OkAsync("logout", "--authfile", authFile, "-a"));
        ProcessResult r = await a.RunAsync("login", "--authfile", authFile, "--get-login", server.Host);
        Assert.Equal(125, r.ExitCode);
        Assert.Contains($"not logged into {server.Host}", r.StdErr);
    }

    [SkippableFact]
    public async Task Short_names_resolve_through_unqualified_search_registries()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        string id = (await a.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        await a.OkAsync("push", "--tls-verify=false", "bb", $"{server.Host}/library/shorty:latest");
        string conf = b.Scratch("registries.conf");
        await File.WriteAllTextAsync(conf, $"unqualified-search-registries = [\"{server.Host}\"]\n[[registry]]\nlocation = \"{server.Host}\"\ninsecure = true\n");
        ProcessResult r = await ProcessRunner.RunAsync(SkiffCli.Binary!,
            ["--root", b.Root, "--runroot", b.RunRoot, "--storage-driver", b.Driver, "pull", "-q", "library/shorty"],
            env: new Dictionary<string, string> { ["CONTAINERS_REGISTRIES_CONF"] = conf });
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(id + "\n", r.StdOut);
        Assert.Equal("", r.StdErr);
    }

    [SkippableFact]
    public async Task Pull_all_tags_pulls_every_tag_of_the_repository()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "bb");
        await a.OkAsync("push", "--tls-verify=false", "bb", $"{server.Host}/many/bb:one");
        await a.OkAsync("push", "--tls-verify=false", "bb", $"{server.Host}/many/bb:two");
        await b.OkAsync("pull", "-q", "--tls-verify=false", "--all-tags", $"{server.Host}/many/bb");
        string names = await b.OkAsync("images", "--format", "{{.Repository}}:{{.Tag}}");
        Assert.Contains($"{server.Host}/many/bb:one", names);
        Assert.Contains($"{server.Host}/many/bb:two", names);
    }

    [SkippableFact]
    public async Task Push_compresses_with_zstd_when_asked_and_pull_reads_it_back()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var a = new SkiffCli();
        using var b = new SkiffCli();
        string id = (await a.OkAsync("import", Fixtures.BusyboxTar, "bb")).Trim()[7..];
        await a.OkAsync("push", "-q", "--tls-verify=false", "--compression-format", "zstd", "bb", $"{server.Host}/z/bb:1");
        string raw = await SkopeoOk("inspect", "--raw", "--tls-verify=false", $"docker://{server.Host}/z/bb:1");
        Assert.Contains("application/vnd.oci.image.layer.v1.tar+zstd", raw);
        Assert.Equal(id, (await b.OkAsync("pull", "-q", "--tls-verify=false", $"{server.Host}/z/bb:1")).Trim());
    }

    [SkippableFact]
    public async Task Skopeo_copy_moves_an_image_between_registry_and_oci_layout_and_search_lists_it()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync(new RegistryServerOptions { Tls = true });
        using var a = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string layout = a.Scratch("layout");
        await a.OkAsync("save", "--format", "oci-dir", "-o", layout, "bb");
        string copied = await SkopeoOk("copy", "--dest-cert-dir", server.CertDir, $"oci:{layout}", $"docker://{server.Host}/copied/bb:1");
        Assert.Contains("Writing manifest to image destination", copied);
        string back = a.Scratch("back");
        await SkopeoOk("copy", "-q", "--src-cert-dir", server.CertDir, $"docker://{server.Host}/copied/bb:1", $"dir:{back}");
        Assert.True(File.Exists(Path.Combine(back, "manifest.json")));
        string digest = (await SkopeoOk("manifest-digest", Path.Combine(back, "manifest.json"))).Trim();
        using (JsonDocument inspect = JsonDocument.Parse(await SkopeoOk("inspect", "--cert-dir", server.CertDir, $"docker://{server.Host}/copied/bb:1")))
        {
            Assert.Equal(digest, inspect.RootElement.GetProperty("Digest").GetString());
            Assert.Equal("linux", inspect.RootElement.GetProperty("Os").GetString());
        }
        string search = await a.OkAsync("search", "--cert-dir", server.CertDir, $"{server.Host}/copied");
        Assert.Contains($"{server.Host}/copied/bb", search);
        string manifest = await a.OkAsync("manifest", "inspect", "--tls-verify=false", $"{server.Host}/copied/bb:1");
        Assert.Contains("\"schemaVersion\": 2", manifest);
    }

    [SkippableFact]
    public async Task Skopeo_sync_copies_every_tag_to_directories_and_back_to_another_repository()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        await using RegistryServer server = await RegistryServer.StartAsync();
        using var a = new SkiffCli();
        await a.OkAsync("import", Fixtures.BusyboxTar, "bb");
        await a.OkAsync("push", "-q", "--tls-verify=false", "bb", $"{server.Host}/sync/bb:1");
        await a.OkAsync("push", "-q", "--tls-verify=false", "bb", $"{server.Host}/sync/bb:2");
        string dir = a.Scratch("sync");
        Directory.CreateDirectory(dir);
        string synced = await SkopeoOk("sync", "--src", "docker", "--dest", "dir", "--src-tls-verify=false", $"{server.Host}/sync/bb", dir);
        Assert.Contains("Synced 2 images", synced);
        Assert.True(File.Exists(Path.Combine(dir, "bb:1", "manifest.json")));
        Assert.True(File.Exists(Path.Combine(dir, "bb:2", "manifest.json")));
        await SkopeoOk("sync", "-q", "--src", "dir", "--dest", "docker", "--dest-tls-verify=false", dir, $"{server.Host}/back");
        string tags = await SkopeoOk("list-tags", "--tls-verify=false", $"docker://{server.Host}/back/bb");
        Assert.Contains("\"1\"", tags);
        Assert.Contains("\"2\"", tags);
    }
}
