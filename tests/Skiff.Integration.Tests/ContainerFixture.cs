using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>
/// A private store with busybox imported as "busybox", for container tests through the binary. Disposing removes
/// every container (killing what runs) before the store goes, so no conmon, mount, netns or rule outlives a test.
/// </summary>
internal sealed class ContainerCli : IDisposable
{
    private ContainerCli(SkiffCli cli) => Cli = cli;

    public SkiffCli Cli { get; }

    public static bool Available =>
        SkiffCli.Binary is not null && File.Exists(Fixtures.BusyboxTar) && File.Exists("/usr/sbin/runc") && File.Exists("/usr/bin/conmon");

    public static async Task<ContainerCli> CreateAsync()
    {
        var cli = new SkiffCli();
        await cli.OkAsync("import", Fixtures.BusyboxTar, "busybox");
        return new ContainerCli(cli);
    }

    public Task<ProcessResult> RunAsync(params string[] args) => Cli.RunAsync(args);

    public Task<string> OkAsync(params string[] args) => Cli.OkAsync(args);

    public void Dispose()
    {
        try
        {
            Cli.RunAsync("rm", "-a", "-f", "-t", "0").GetAwaiter().GetResult();
        }
        finally
        {
            Cli.Dispose();
        }
    }
}
