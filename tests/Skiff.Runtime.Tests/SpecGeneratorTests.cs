using System.Text;
using System.Text.Json;
using Skiff.Runtime.Spec;

namespace Skiff.Runtime.Tests;

public class SpecGeneratorTests
{
    private static readonly ResolvedUser Root = new(0, 0, [], "/root");

    private static ContainerDefinition Def(params string[] args) => new() { Id = new string('a', 64), Name = "t", Args = [.. args] };

    private static SpecInputs Inputs(ResolvedUser? user = null) => new()
    {
        Rootfs = "/rootfs",
        RunDir = Path.Combine(Path.GetTempPath(), "no-such-run-dir"),
        User = user ?? Root,
        SeccompDefaultPath = "/nonexistent/seccomp.json",
    };

    [Fact]
    public void Default_spec_has_podmans_namespaces_masks_and_no_rlimits()
    {
        RuntimeSpec spec = SpecGenerator.Generate(Def("sh"), Inputs());
        Assert.Equal(["pid", "ipc", "uts", "mount", "network"], spec.Linux!.Namespaces.Select(n => n.Type).Where(t => t != "cgroup"));
        Assert.Contains("/proc/kcore", spec.Linux.MaskedPaths!);
        Assert.Contains("/proc/sys", spec.Linux.ReadonlyPaths!);
        Assert.Null(spec.Process!.Rlimits);
        Assert.Contains("container=podman", spec.Process.Env);
        Assert.Contains(SpecGenerator.DefaultPath, spec.Process.Env);
        Assert.Equal(["/proc", "/dev", "/dev/pts", "/dev/mqueue", "/dev/shm", "/sys", "/sys/fs/cgroup"], spec.Mounts.Select(m => m.Destination));
        Assert.Equal("aaaaaaaaaaaa", spec.Hostname);
    }

    [Fact]
    public void Non_root_user_keeps_only_the_bounding_set()
    {
        RuntimeSpec spec = SpecGenerator.Generate(Def("sh"), Inputs(new ResolvedUser(1000, 1000, [10], "/home/u")));
        Assert.Empty(spec.Process!.Capabilities!.Effective);
        Assert.NotEmpty(spec.Process.Capabilities.Bounding);
        Assert.Equal([10u], spec.Process.User.AdditionalGids!);
        Assert.Contains("HOME=/home/u", spec.Process.Env);
    }

    [Fact]
    public void Host_network_has_no_network_namespace_and_a_path_joins_one()
    {
        Assert.DoesNotContain(SpecGenerator.Generate(Def("sh") with { NetworkMode = "host" }, Inputs()).Linux!.Namespaces, n => n.Type == "network");
        RuntimeSpec joined = SpecGenerator.Generate(Def("sh"), Inputs() with { NetworkNamespacePath = "/run/netns/x" });
        Assert.Equal("/run/netns/x", joined.Linux!.Namespaces.Single(n => n.Type == "network").Path);
    }

    [Fact]
    public void Systemd_mode_mounts_tmpfs_and_gets_a_console()
    {
        RuntimeSpec spec = SpecGenerator.Generate(Def("/sbin/init") with { Systemd = true }, Inputs());
        foreach (string dest in new[] { "/run", "/run/lock", "/tmp", "/var/log/journal" })
        {
            Assert.Equal("tmpfs", spec.Mounts.Single(m => m.Destination == dest).Type);
        }
        Assert.True(spec.Process!.Terminal);
        Assert.Contains(spec.Process.Env, e => e.StartsWith("container_uuid=", StringComparison.Ordinal));
    }

    [Fact]
    public void Read_only_rootfs_gets_writable_tmpfs_unless_refused()
    {
        RuntimeSpec spec = SpecGenerator.Generate(Def("sh") with { ReadOnly = true }, Inputs());
        Assert.True(spec.Root!.Readonly);
        Assert.Contains(spec.Mounts, m => m.Destination == "/tmp" && m.Type == "tmpfs");
        RuntimeSpec strict = SpecGenerator.Generate(Def("sh") with { ReadOnly = true, ReadOnlyTmpfs = false }, Inputs());
        Assert.DoesNotContain(strict.Mounts, m => m.Destination == "/tmp");
    }

    [Fact]
    public void Serialized_spec_uses_oci_names()
    {
        string json = Encoding.UTF8.GetString(SpecGenerator.Serialize(SpecGenerator.Generate(Def("sh") with { Ulimits = [new UlimitDefinition("nofile", 10, 20)] }, Inputs())));
        using JsonDocument doc = JsonDocument.Parse(json);
        Assert.Equal("1.0.2-dev", doc.RootElement.GetProperty("ociVersion").GetString());
        JsonElement rlimit = doc.RootElement.GetProperty("process").GetProperty("rlimits")[0];
        Assert.Equal("RLIMIT_NOFILE", rlimit.GetProperty("type").GetString());
        Assert.Equal(20UL, rlimit.GetProperty("hard").GetUInt64());
        Assert.False(doc.RootElement.GetProperty("linux").TryGetProperty("seccomp", out _));
    }

    [Fact]
    public void Capability_names_normalize_and_unknown_ones_are_refused()
    {
        Assert.Equal("CAP_NET_ADMIN", SecurityDefaults.NormalizeCapability("net_admin"));
        Assert.Equal("CAP_NET_ADMIN", SecurityDefaults.NormalizeCapability("CAP_NET_ADMIN"));
        Assert.Throws<RuntimeException>(() => SecurityDefaults.NormalizeCapability("flying"));
        Assert.Empty(SecurityDefaults.Effective(false, [], ["ALL"]));
    }
}

public class SeccompProfileTests
{
    private const string Profile = """
        {
          "defaultAction": "SCMP_ACT_ERRNO", "defaultErrnoRet": 38,
          "archMap": [{"architecture": "SCMP_ARCH_X86_64", "subArchitectures": ["SCMP_ARCH_X86", "SCMP_ARCH_X32"]},
                      {"architecture": "SCMP_ARCH_AARCH64", "subArchitectures": ["SCMP_ARCH_ARM"]}],
          "syscalls": [
            {"names": ["read", "write"], "action": "SCMP_ACT_ALLOW", "args": [], "includes": {}, "excludes": {}},
            {"names": ["arch_prctl"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["amd64"]}, "excludes": {}},
            {"names": ["s390_only"], "action": "SCMP_ACT_ALLOW", "includes": {"arches": ["s390x"]}, "excludes": {}},
            {"names": ["mount"], "action": "SCMP_ACT_ALLOW", "includes": {"caps": ["CAP_SYS_ADMIN"]}, "excludes": {}},
            {"names": ["mount"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1, "includes": {}, "excludes": {"caps": ["CAP_SYS_ADMIN"]}},
            {"names": ["personality"], "action": "SCMP_ACT_ALLOW", "args": [{"index": 0, "value": 8, "valueTwo": 0, "op": "SCMP_CMP_EQ"}], "includes": {}, "excludes": {}},
            {"names": ["future"], "action": "SCMP_ACT_ALLOW", "includes": {"minKernel": "99.0"}, "excludes": {}}
          ]
        }
        """;

    private static JsonElement Convert(string[] caps) =>
        SeccompProfile.Convert(Encoding.UTF8.GetBytes(Profile), caps, "amd64", new Version(6, 1));

    [Fact]
    public void Keeps_this_architecture_and_its_sub_architectures()
    {
        JsonElement oci = Convert([]);
        Assert.Equal(["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"], oci.GetProperty("architectures").EnumerateArray().Select(e => e.GetString()));
        Assert.Equal(38u, oci.GetProperty("defaultErrnoRet").GetUInt32());
    }

    [Fact]
    public void Rules_follow_capabilities_architectures_and_kernel()
    {
        List<string> names(JsonElement oci) => oci.GetProperty("syscalls").EnumerateArray()
            .Select(s => string.Join(',', s.GetProperty("names").EnumerateArray().Select(n => n.GetString())) + ":" + s.GetProperty("action").GetString()).ToList();
        List<string> plain = names(Convert(["CAP_CHOWN"]));
        Assert.Contains("arch_prctl:SCMP_ACT_ALLOW", plain);
        Assert.DoesNotContain("s390_only:SCMP_ACT_ALLOW", plain);
        Assert.Contains("mount:SCMP_ACT_ERRNO", plain);
        Assert.DoesNotContain("mount:SCMP_ACT_ALLOW", plain);
        Assert.DoesNotContain("future:SCMP_ACT_ALLOW", plain);
        List<string> admin = names(Convert(["CAP_SYS_ADMIN"]));
        Assert.Contains("mount:SCMP_ACT_ALLOW", admin);
        Assert.DoesNotContain("mount:SCMP_ACT_ERRNO", admin);
    }

    [Fact]
    public void Argument_conditions_are_kept()
    {
        JsonElement rule = Convert([]).GetProperty("syscalls").EnumerateArray().Single(s => s.GetProperty("names")[0].GetString() == "personality");
        JsonElement arg = rule.GetProperty("args")[0];
        Assert.Equal(8UL, arg.GetProperty("value").GetUInt64());
        Assert.Equal("SCMP_CMP_EQ", arg.GetProperty("op").GetString());
    }

    [SkippableFact]
    public void Installed_profile_converts()
    {
        Skip.IfNot(File.Exists(SeccompProfile.DefaultPath));
        JsonElement? oci = SeccompProfile.Load(SeccompProfile.DefaultPath, SecurityDefaults.Capabilities.ToList(), isDefault: true);
        Assert.NotNull(oci);
        Assert.True(oci.Value.GetProperty("syscalls").GetArrayLength() > 10);
    }
}
