using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// systemd as PID 1 in the Debian image. The image is a rootfs tar cached beside the other fixtures, made with
/// <c>mmdebstrap --variant=minbase --include=systemd,systemd-sysv,nginx-light,dbus --format=tar bookworm
/// /var/cache/skiff-fixtures/debian-systemd.tar</c>; the tests skip without it.
/// </summary>
public class ContainerSystemdTests
{
    private static string SystemdTar => Path.Combine(Fixtures.Directory, "debian-systemd.tar");

    [SkippableFact]
    public async Task Systemd_boots_to_running_serves_nginx_on_a_published_port_and_stops_cleanly()
    {
        Skip.IfNot(ContainerCli.Available && File.Exists(SystemdTar), "needs " + SystemdTar);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("import", "--change", "CMD [\"/sbin/init\"]", "--change", "EXPOSE 80", SystemdTar, "debian-systemd");
        await c.OkAsync("run", "-d", "--name", "sd", "--systemd=always", "-P", "debian-systemd");

        string state = "";
        for (int i = 0; i < 300 && state is not ("running" or "degraded"); i++)
        {
            state = (await c.RunAsync("exec", "sd", "systemctl", "is-system-running")).StdOut.Trim();
            await Task.Delay(100);
        }
        Assert.Equal("running", state);
        Assert.Equal("37\n", await c.OkAsync("container", "inspect", "--format", "{{.Config.StopSignal}}", "sd"));

        int port = int.Parse((await c.OkAsync("port", "sd", "80")).Trim().Split(':')[1]);
        Assert.Contains("Welcome to nginx!", await ContainerLifecycleTests.GetAsync(port, "/"));

        string boot = await c.OkAsync("logs", "sd");
        Assert.Contains("Welcome to Debian GNU/Linux 12 (bookworm)!", boot);
        Assert.Contains("running in system mode", boot);

        await c.OkAsync("stop", "-t", "30", "sd");
        Assert.Equal("0\n", await c.OkAsync("wait", "sd"));
        Assert.Contains("Exiting container.", await c.OkAsync("logs", "sd"));
    }

    [SkippableFact]
    public async Task Init_command_turns_systemd_mode_on_by_itself()
    {
        Skip.IfNot(ContainerCli.Available && File.Exists(SystemdTar), "needs " + SystemdTar);
        using ContainerCli c = await ContainerCli.CreateAsync();
        await c.OkAsync("import", SystemdTar, "debian-systemd");
        await c.OkAsync("create", "--name", "auto", "debian-systemd", "/sbin/init");
        Assert.Equal("true\n", await c.OkAsync("container", "inspect", "--format", "{{.Config.SystemdMode}}", "auto"));
        await c.OkAsync("create", "--name", "off", "--systemd=false", "debian-systemd", "/sbin/init");
        Assert.Equal("false 15\n", await c.OkAsync("container", "inspect", "--format", "{{.Config.SystemdMode}} {{.Config.StopSignal}}", "off"));
    }
}
