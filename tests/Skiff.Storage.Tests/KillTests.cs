using System.Diagnostics;

namespace Skiff.Storage.Tests;

/// <summary>Real kill -9: child processes work on one store and are killed at random points.</summary>
public class KillTests
{
    [Theory]
    [InlineData("overlay")]
    [InlineData("vfs")]
    public async Task Store_stays_consistent_when_writers_are_killed_at_any_point(string driver)
    {
        using var t = new TestStore(driver);
        var random = new Random(driver.Length);
        for (int round = 0; round < 4; round++)
        {
            using Process a = StartHelper(t, round * 2);
            using Process b = StartHelper(t, round * 2 + 1);
            await WaitForOperationsAsync(a, random.Next(2, 12));
            a.Kill();
            await WaitForOperationsAsync(b, random.Next(2, 12));
            b.Kill();
            await a.WaitForExitAsync();
            await b.WaitForExitAsync();
        }

        t.Reopen();

        Assert.Empty(Directory.GetFileSystemEntries(Path.Combine(t.GraphRoot, "tmp")));
        IReadOnlyList<LayerRecord> layers = t.Store.ListLayers();
        IReadOnlyList<ContainerRecord> containers = t.Store.ListContainers();
        string[] layerDirs = [.. Directory.GetDirectories(Path.Combine(t.GraphRoot, t.Driver)).Select(d => Path.GetFileName(d)!).Where(n => n is not ("l" or "empty"))];
        Assert.Equal(layers.Select(l => l.Id).Concat(containers.Select(c => c.LayerId)).Order(), layerDirs.Order());
        foreach (ImageRecord image in t.Store.ListImages())
        {
            Assert.Contains(layers, l => l.Id == image.TopLayer);
        }
        CheckReport report = await t.Store.CheckAsync(repair: false);
        Assert.Empty(report.Problems);
    }

    private static Process StartHelper(TestStore t, int seed)
    {
        var psi = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "Skiff.Storage.CrashHelper"))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])[t.Options.GraphRoot, t.Options.RunRoot, t.Driver, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)])
        {
            psi.ArgumentList.Add(arg);
        }
        return Process.Start(psi) ?? throw new InvalidOperationException("cannot start the crash helper");
    }

    /// <summary>Reads the helper's progress until it has finished <paramref name="count"/> operations.</summary>
    private static async Task WaitForOperationsAsync(Process helper, int count)
    {
        while (await helper.StandardOutput.ReadLineAsync() is { } line)
        {
            if (int.TryParse(line, out int done) && done >= count)
            {
                return;
            }
        }
        string error = await helper.StandardError.ReadToEndAsync();
        Assert.Fail($"crash helper exited early: {error}");
    }
}
