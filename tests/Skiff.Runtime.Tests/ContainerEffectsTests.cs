using Skiff.Interop;

namespace Skiff.Runtime.Tests;

/// <summary>Each option shows its effect from inside a real container.</summary>
public class ContainerEffectsTests
{
    private static async Task<(int Code, string Log)> Run(Func<RuntimeFixture, ContainerDefinition> make)
    {
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        (int code, string log, _) = await f.RunAsync(make(f));
        return (code, log);
    }

    [SkippableFact]
    public async Task Default_capabilities_are_podmans_eleven()
    {
        Skip.IfNot(RuntimeFixture.Available);
        (int code, string log) = await Run(f => f.Definition("grep", "CapEff", "/proc/self/status"));
        Assert.Equal(0, code);
        // CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID SETUID SETPCAP NET_BIND_SERVICE SYS_CHROOT SETFCAP
        Assert.Contains("00000000800405fb", log);
    }

    [SkippableFact]
    public async Task Cap_add_and_cap_drop_change_the_set()
    {
        Skip.IfNot(RuntimeFixture.Available);
        (_, string log) = await Run(f => f.Definition("grep", "CapEff", "/proc/self/status") with { CapAdd = ["net_admin"], CapDrop = ["CAP_CHOWN", "kill"] });
        // 0x800405fb - CHOWN(0) - KILL(5) + NET_ADMIN(12)
        Assert.Contains("00000000800415da", log);
    }

    [SkippableFact]
    public async Task Kernel_paths_are_masked_and_proc_sys_is_read_only()
    {
        Skip.IfNot(RuntimeFixture.Available);
        (int code, string log) = await Run(f => f.Definition("sh", "-c", "cat /proc/kcore | wc -c; echo 1 > /proc/sys/kernel/domainname && echo wrote; grep Seccomp: /proc/self/status"));
        Assert.Contains("0\n", log);
        Assert.DoesNotContain("wrote", log);
        Assert.Contains("Seccomp:\t2", log);
        Assert.NotEqual(0, code + 1);
    }

    [SkippableFact]
    public async Task User_environment_workdir_and_hostname_apply()
    {
        Skip.IfNot(RuntimeFixture.Available);
        (int code, string log) = await Run(f => f.Definition("sh", "-c", "id -u; id -g; echo $GREETING; pwd; hostname; echo $container")
            with { User = "1234:99", Env = ["PATH=/bin", "GREETING=hi there"], WorkingDir = "/work/dir", Hostname = "box1" });
        Assert.Equal(0, code);
        Assert.Equal("1234\n99\nhi there\n/work/dir\nbox1\npodman\n", log);
    }

    [SkippableFact]
    public async Task Read_only_rootfs_refuses_writes_but_tmpfs_and_volumes_accept_them()
    {
        Skip.IfNot(RuntimeFixture.Available);
        string host = Directory.CreateTempSubdirectory("skiff-vol-").FullName;
        try
        {
            (int code, string log) = await Run(f => f.Definition("sh", "-c", "touch /x 2>/dev/null || echo rofs; touch /scratch/y && echo tmpfs-ok; echo data > /data/z; grep ' /scratch ' /proc/mounts | cut -d' ' -f3")
                with
                {
                    ReadOnly = true,
                    Mounts = [new MountDefinition { Type = "tmpfs", Destination = "/scratch" }, new MountDefinition { Type = "bind", Source = host, Destination = "/data" }],
                });
            Assert.Equal(0, code);
            Assert.Equal("rofs\ntmpfs-ok\ntmpfs\n", log);
            Assert.Equal("data\n", File.ReadAllText(Path.Combine(host, "z")));
        }
        finally
        {
            Directory.Delete(host, true);
        }
    }

    [SkippableFact]
    public async Task Read_only_bind_mount_refuses_writes()
    {
        Skip.IfNot(RuntimeFixture.Available);
        string host = Directory.CreateTempSubdirectory("skiff-vol-").FullName;
        try
        {
            (_, string log) = await Run(f => f.Definition("sh", "-c", "(echo x > /data/z) 2>/dev/null || echo refused")
                with { Mounts = [new MountDefinition { Type = "bind", Source = host, Destination = "/data", Options = ["ro"] }] });
            Assert.Equal("refused\n", log);
            Assert.False(File.Exists(Path.Combine(host, "z")));
        }
        finally
        {
            Directory.Delete(host, true);
        }
    }

    [SkippableFact]
    public async Task Ulimit_below_the_hard_limit_applies_and_others_are_inherited()
    {
        Skip.IfNot(RuntimeFixture.Available);
        (int code, string log) = await Run(f => f.Definition("sh", "-c", "ulimit -n; ulimit -Hn; ulimit -Hu")
            with { Ulimits = [new UlimitDefinition("nofile", 512, 1000)] });
        Assert.Equal(0, code);
        string hardProc = File.ReadLines("/proc/self/limits").First(l => l.StartsWith("Max processes", StringComparison.Ordinal)).Split(' ', StringSplitOptions.RemoveEmptyEntries)[3];
        Assert.Equal($"512\n1000\n{hardProc}\n", log);
    }

    [SkippableFact]
    public async Task Memory_and_pids_limits_reach_the_cgroup()
    {
        Skip.IfNot(RuntimeFixture.Available);
        (int code, string log) = await Run(f => f.Definition("sh", "-c", "cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max")
            with { MemoryLimit = 64 * 1024 * 1024, PidsLimit = 77 });
        Assert.Equal(0, code);
        Assert.Equal("67108864\n77\n", log);
    }

    [SkippableFact]
    public async Task Unknown_command_is_127_and_a_directory_is_126()
    {
        Skip.IfNot(RuntimeFixture.Available);
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        ContainerInfo a = await f.Runtime.CreateAsync(f.Definition("nosuchcommand"));
        CommandInvocationException e1 = await Assert.ThrowsAsync<CommandInvocationException>(() => f.Runtime.StartAsync(a.Record.Id));
        Assert.Equal(127, e1.ExitCode);
        ContainerInfo b = await f.Runtime.CreateAsync(f.Definition("/etc"));
        CommandInvocationException e2 = await Assert.ThrowsAsync<CommandInvocationException>(() => f.Runtime.StartAsync(b.Record.Id));
        Assert.Equal(126, e2.ExitCode);
        // Nothing stays mounted after the failed start.
        Assert.DoesNotContain(Mounts.ListMountPoints(), m => m.StartsWith(f.Root + "/", StringComparison.Ordinal));
    }
}
