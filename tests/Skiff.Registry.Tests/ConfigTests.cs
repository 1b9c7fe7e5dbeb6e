using Skiff.Image;
using Skiff.Registry.Auth;
using Skiff.Registry.Config;
using Skiff.Registry.Http;
using Skiff.TestKit;

namespace Skiff.Registry.Tests;

public class ConfigTests
{
    [Fact]
    public void Registries_conf_reads_search_registries_entries_mirrors_and_aliases()
    {
        var conf = RegistriesConf.Parse("""
            # comment
            unqualified-search-registries = ["reg.example:5000", 'quay.io']  # trailing
            short-name-mode = "permissive"

            [[registry]]
            prefix = "example.com/foo"
            location = "internal.example:5000/bar"
            insecure = true
            [[registry.mirror]]
            location = "mirror.example/bar"
            insecure = false

            [[registry]]
            location = "blocked.example"
            blocked = true

            [aliases]
            "fedora" = "registry.fedoraproject.org/fedora"
            """);
        Assert.Equal(["reg.example:5000", "quay.io"], conf.UnqualifiedSearchRegistries);
        Assert.Equal("permissive", conf.ShortNameMode);
        Assert.Equal(
            [("mirror.example/bar/app", false), ("internal.example:5000/bar/app", true)],
            conf.PullSources("example.com/foo/app"));
        Assert.Equal([("example.com/foobar/app", false)], conf.PullSources("example.com/foobar/app"));
        Assert.Throws<SkiffException>(() => conf.PullSources("blocked.example/x"));
        Assert.Equal(["registry.fedoraproject.org/fedora:39"], conf.ResolveShortName("fedora:39"));
        Assert.Equal(["reg.example:5000/busybox", "quay.io/busybox"], conf.ResolveShortName("busybox"));
        Assert.True(conf.IsInsecure("example.com/foo"));
    }

    [Fact]
    public void Registries_conf_drop_ins_override_in_name_order()
    {
        using var dir = new TempDir();
        string main = dir.Combine("registries.conf");
        File.WriteAllText(main, "unqualified-search-registries = [\"a.example\"]\n");
        Directory.CreateDirectory(dir.Combine("registries.conf.d"));
        File.WriteAllText(dir.Combine("registries.conf.d", "10-b.conf"), "unqualified-search-registries = [\"b.example\"]\n");
        File.WriteAllText(dir.Combine("registries.conf.d", "20-alias.conf"), "[aliases]\nx = \"c.example/x\"\n");
        RegistriesConf conf = RegistriesConf.Load(main);
        Assert.Equal(["b.example"], conf.UnqualifiedSearchRegistries);
        Assert.Equal("c.example/x", conf.Aliases["x"]);
    }

    [Fact]
    public void Malformed_toml_names_file_and_line()
    {
        SkiffException e = Assert.Throws<SkiffException>(() => RegistriesConf.Parse("a = [\"x\"\n\n[[registry]\n", "/etc/r.conf"));
        Assert.Contains("/etc/r.conf:", e.Message);
    }

    [Fact]
    public void Auth_file_stores_finds_and_removes_credentials_with_private_mode()
    {
        using var dir = new TempDir();
        string path = dir.Combine("sub", "auth.json");
        var file = new AuthFile(new RegistryOptions { AuthFile = path });
        file.Store("reg.example:5000", new RegistryCredentials("bob", "pa:ss"));
        file.Store("reg.example:5000/team/app", new RegistryCredentials("team", "t"));
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(path));
        Assert.Equal(new RegistryCredentials("bob", "pa:ss"), file.Find("reg.example:5000"));
        Assert.Equal(new RegistryCredentials("team", "t"), file.Find("reg.example:5000", "team/app"));
        Assert.Equal(new RegistryCredentials("bob", "pa:ss"), file.Find("reg.example:5000", "other/app"));
        Assert.True(file.Remove("reg.example:5000"));
        Assert.False(file.Remove("reg.example:5000"));
        Assert.Null(file.Find("reg.example:5000"));
        file.RemoveAll();
        Assert.Null(file.Find("reg.example:5000", "team/app"));
    }

    [Fact]
    public void Auth_file_search_falls_back_to_docker_config_and_keeps_unknown_keys()
    {
        using var dir = new TempDir();
        var env = new Dictionary<string, string> { ["HOME"] = dir.Path, ["XDG_RUNTIME_DIR"] = dir.Combine("run") };
        Directory.CreateDirectory(dir.Combine(".docker"));
        File.WriteAllText(dir.Combine(".docker", "config.json"),
            """{"auths":{"https://index.docker.io/v1/":{"auth":"dTpw"}},"credsStore":"none"}""");
        var file = new AuthFile(new RegistryOptions { Environment = k => env.GetValueOrDefault(k) });
        Assert.Equal(new RegistryCredentials("u", "p"), file.Find("docker.io"));
    }

    [Fact]
    public void Creds_parse_user_and_password_and_never_print_the_password()
    {
        var c = RegistryCredentials.Parse("user:pa:ss");
        Assert.Equal(("user", "pa:ss"), (c.Username, c.Password));
        Assert.DoesNotContain("pa:ss", c.ToString());
        Assert.Throws<SkiffException>(() => RegistryCredentials.Parse(":x"));
    }

    [Fact]
    public void Challenge_parameters_keep_commas_inside_quotes()
    {
        var p = Challenge.ParseParameters("realm=\"https://auth.example/token\",service=\"reg\",scope=\"repository:a/b:pull,push\"");
        Assert.Equal("https://auth.example/token", p["realm"]);
        Assert.Equal("reg", p["service"]);
        Assert.Equal("repository:a/b:pull,push", p["scope"]);
    }
}
