namespace Skiff.Runtime.Tests;

public class LifecycleTests
{
    [SkippableFact]
    public async Task Container_runs_its_command_and_records_exit_code_and_output()
    {
        Skip.IfNot(RuntimeFixture.Available, "runc, conmon or the busybox fixture missing");
        using RuntimeFixture f = await RuntimeFixture.CreateAsync();
        (int code, string log, ContainerInfo info) = await f.RunAsync(f.Definition("sh", "-c", "echo hello; echo oops >&2; exit 42"));
        Assert.Equal(42, code);
        Assert.Contains("hello\n", log);
        Assert.Contains("oops\n", log);
        Assert.Equal(ContainerState.Exited, info.Status.State);
        Assert.Equal(42, info.Status.ExitCode);
    }
}
