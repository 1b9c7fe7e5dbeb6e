using System.Text.RegularExpressions;
using Skiff.Image;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>What pull prints while it copies: podman's lines on a pipe, live bars on a terminal, nothing with -q.</summary>
public partial class CopyProgressTests
{
    private static async Task<(RegistryServer Server, MemoryImage Image, string Name)> RegistryWithImageAsync()
    {
        RegistryServer server = await RegistryServer.StartAsync();
        MemoryImage image = RandomImage.Create(new RandomImageOptions { Layers = 2, FilesPerLayer = 3, MaxFileSize = 1 << 20, Seed = 21 });
        await server.PushAsync(image, "progress/img", "1");
        return (server, image, $"{server.Host}/progress/img:1");
    }

    /// <summary>Runs skiff on a pseudo-terminal (util-linux script) 100 columns wide; returns what the terminal got.</summary>
    private static async Task<ProcessResult> OnTerminalAsync(SkiffCli skiff, params string[] args)
    {
        string[] argv = [SkiffCli.Binary!, "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, .. args];
        string command = "stty cols 100; " + string.Join(' ', argv.Select(a => "'" + a.Replace("'", "'\\''", StringComparison.Ordinal) + "'"));
        return await ProcessRunner.RunAsync("script", ["-qec", command, "/dev/null"], env: new Dictionary<string, string> { ["TERM"] = "xterm" });
    }

    [SkippableFact]
    public async Task Pull_to_a_pipe_prints_podmans_lines_also_for_layers_already_stored()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        (RegistryServer server, MemoryImage image, string name) = await RegistryWithImageAsync();
        await using RegistryServer _ = server;
        using var skiff = new SkiffCli();
        ImageManifest m = image.ParseManifest();
        string[] expected =
        [
            $"Trying to pull {name}...",
            "Getting image source signatures",
            $"Copying blob {m.Layers[0].Digest}",
            $"Copying blob {m.Layers[1].Digest}",
            $"Copying config {m.Config.Digest}",
            "Writing manifest to image destination",
            "Storing signatures",
        ];
        for (int attempt = 0; attempt < 2; attempt++)
        {
            ProcessResult r = await skiff.RunAsync("pull", "--tls-verify=false", name);
            Assert.True(r.ExitCode == 0, r.ToString());
            string[] lines = r.StdErr.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            // Layers copy in parallel: their lines may come in either order.
            Assert.Equal(expected.Order(StringComparer.Ordinal), lines.Order(StringComparer.Ordinal));
            Assert.Equal(expected[..2], lines[..2]);
            Assert.Equal(expected[^3..], lines[^3..]);
            Assert.DoesNotContain("\x1b", r.StdErr);
        }
    }

    [SkippableFact]
    public async Task Pull_on_a_terminal_draws_bars_with_bytes_and_rate_and_ends_with_done()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        Skip.If(ProcessRunner.Which("script") is null, "util-linux script is not installed");
        (RegistryServer server, MemoryImage image, string name) = await RegistryWithImageAsync();
        await using RegistryServer _ = server;
        using var skiff = new SkiffCli();
        ImageManifest m = image.ParseManifest();

        ProcessResult r = await OnTerminalAsync(skiff, "pull", "--tls-verify=false", name);
        Assert.True(r.ExitCode == 0, r.ToString());
        string screen = r.StdOut;
        foreach (Descriptor layer in m.Layers)
        {
            string label = $"Copying blob {layer.Digest.Encoded[..12]}";
            Assert.Matches(new Regex(Regex.Escape(label) + @" \[[=>-]+\] \d+\.\d(b|KiB|MiB) / \d+\.\d(b|KiB|MiB) \| \d+\.\d(b|KiB|MiB|GiB)/s"), screen);
            Assert.Contains(label + " done", screen);
        }
        Assert.Contains($"Copying config {m.Config.Digest.Encoded[..10]} done", screen);
        Assert.Contains("\x1b[2K", screen);
        Assert.Contains("Writing manifest to image destination", screen);
        Assert.EndsWith(m.Config.Digest.Encoded, screen.TrimEnd());
        // Every line fits in the 100 columns, or the redraw would climb too few lines.
        Assert.All(AnsiOrReturn().Split(screen), line => Assert.True(line.Length <= 100, line));

        ProcessResult again = await OnTerminalAsync(skiff, "pull", "--tls-verify=false", name);
        Assert.Contains($"Copying blob {m.Layers[0].Digest.Encoded[..12]} skipped: already exists", again.StdOut);
    }

    [SkippableFact]
    public async Task Pull_quiet_on_a_terminal_prints_only_the_image_id()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.IfNot(RegistryServer.Available, "docker-registry is not installed");
        Skip.If(ProcessRunner.Which("script") is null, "util-linux script is not installed");
        (RegistryServer server, MemoryImage image, string name) = await RegistryWithImageAsync();
        await using RegistryServer _ = server;
        using var skiff = new SkiffCli();
        ProcessResult r = await OnTerminalAsync(skiff, "pull", "-q", "--tls-verify=false", name);
        Assert.True(r.ExitCode == 0, r.ToString());
        Assert.Equal(image.ParseManifest().Config.Digest.Encoded, AnsiOrReturn().Replace(r.StdOut, "").Trim());
    }

    [GeneratedRegex(@"\x1b\[[0-9;?]*[A-Za-z]|\x1b[=>]|\r|\n")]
    private static partial Regex AnsiOrReturn();
}
