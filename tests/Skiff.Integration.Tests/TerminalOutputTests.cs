using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>What a terminal receives from skiff: its output and nothing else, as from podman.</summary>
public class TerminalOutputTests
{
    [SkippableTheory]
    [InlineData("")]
    [InlineData(" >/dev/null")]
    [InlineData(" | cat")]
    public async Task Commands_on_a_terminal_write_no_terminal_set_up_sequences(string redirect)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(ProcessRunner.Which("script") is null, "util-linux script is not installed");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "tty");
        string command = $"'{SkiffCli.Binary}' --root '{skiff.Root}' --runroot '{skiff.RunRoot}' --storage-driver {skiff.Driver} images{redirect}";
        ProcessResult r = await ProcessRunner.RunAsync("script", ["-qec", command, "/dev/null"], env: new Dictionary<string, string> { ["TERM"] = "xterm" });
        Assert.Equal(0, r.ExitCode);
        // .NET's console set-up writes terminfo's keypad_xmit (ESC[?1h ESC=) to the terminal.
        Assert.DoesNotContain("\u001b", r.StdOut);
        Assert.Equal(redirect == " >/dev/null", !r.StdOut.Contains("localhost/tty", StringComparison.Ordinal));
    }
}
