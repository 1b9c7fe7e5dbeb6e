using System.Diagnostics;
using System.Formats.Tar;
using System.Text;
using Skiff.TestKit;

namespace Skiff.Integration.Tests;

/// <summary>Broken input is refused with one line and exit 125, and the store stays exactly as it was.</summary>
public class BrokenInputTests
{
    public static TheoryData<string> BrokenArchives() =>
        ["truncated", "garbage", "corrupt-gzip", "missing-blob", "manifest-garbage", "wrong-digest-in-index", "absurd-size"];

    [SkippableTheory]
    [MemberData(nameof(BrokenArchives))]
    public async Task Load_of_a_broken_archive_fails_with_one_line_and_leaves_the_store_unchanged(string kind)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "before");
        string images = await skiff.OkAsync("images", "--format", "json");
        string tree = skiff.Snapshot();

        string path = skiff.Scratch(kind + ".tar");
        await File.WriteAllBytesAsync(path, await BrokenArchive.BuildAsync(kind, skiff));
        ProcessResult r = await skiff.RunAsync("load", "-i", path);

        Assert.Equal(125, r.ExitCode);
        AssertOneErrorLine(r);
        Assert.Equal(images, await skiff.OkAsync("images", "--format", "json"));
        Assert.Equal(tree, skiff.Snapshot());
    }

    [SkippableTheory]
    [MemberData(nameof(HostileLayers))]
    public async Task Import_of_a_hostile_layer_fails_with_one_line_and_leaves_the_store_unchanged(string name)
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        HostileArchive hostile = HostileArchives.All().Single(h => h.Name == name);
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "before");
        string tree = skiff.Snapshot();
        string path = skiff.Scratch(name + ".tar");
        await File.WriteAllBytesAsync(path, hostile.Bytes);

        ProcessResult r = await skiff.RunAsync("import", path, "hostile");

        Assert.Equal(125, r.ExitCode);
        AssertOneErrorLine(r);
        Assert.Equal(tree, skiff.Snapshot());
        Assert.Equal(1, (await skiff.RunAsync("image", "exists", "hostile")).ExitCode);
    }

    /// <summary>Progress lines may come first (as in podman); the error itself is one last line.</summary>
    private static void AssertOneErrorLine(ProcessResult r)
    {
        string[] lines = r.StdErr.Trim().Split('\n');
        Assert.Single(lines, l => l.StartsWith("Error: ", StringComparison.Ordinal));
        Assert.StartsWith("Error: ", lines[^1]);
    }

    public static TheoryData<string> HostileLayers() => [.. HostileArchives.All().Where(h => h.Expectation == HostileExpectation.Rejected).Select(h => h.Name)];
}

/// <summary>Builds the broken archives from a good docker/oci archive saved by skiff.</summary>
internal static class BrokenArchive
{
    public static async Task<byte[]> BuildAsync(string kind, SkiffCli skiff)
    {
        // The archive's layer must be new to the target store, or a missing blob would just be reused.
        using var source = new SkiffCli();
        string layerDir = source.Scratch("layer");
        Directory.CreateDirectory(layerDir);
        await File.WriteAllTextAsync(Path.Combine(layerDir, "hello"), "a layer only the archive has\n");
        string layerTar = source.Scratch("layer.tar");
        await TarFile.CreateFromDirectoryAsync(layerDir, layerTar, includeBaseDirectory: false);
        await source.OkAsync("import", layerTar, "broken");
        string good = skiff.Scratch("good-" + kind + ".tar");
        await source.OkAsync("save", "--format", "oci-archive", "-o", good, "broken");
        byte[] bytes = await File.ReadAllBytesAsync(good);
        switch (kind)
        {
            case "truncated":
                return bytes[..(bytes.Length / 2)];
            case "garbage":
                return Encoding.ASCII.GetBytes(new string('x', 4096));
            case "corrupt-gzip":
                byte[] gz = [0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, .. Encoding.ASCII.GetBytes("not deflate at all, sorry")];
                return gz;
        }
        // The remaining cases edit entries of the OCI layout inside the archive.
        var entries = new List<(string Name, byte[] Data)>();
        using (var reader = new TarReader(new MemoryStream(bytes)))
        {
            while (reader.GetNextEntry() is { } e)
            {
                var ms = new MemoryStream();
                e.DataStream?.CopyTo(ms);
                entries.Add((e.Name, ms.ToArray()));
            }
        }
        string indexName = entries.First(e => e.Name.TrimStart('.', '/') == "index.json").Name;
        string indexJson = Encoding.UTF8.GetString(entries.First(e => e.Name == indexName).Data);
        var manifestDigest = System.Text.RegularExpressions.Regex.Match(indexJson, "sha256:([0-9a-f]{64})").Groups[1].Value;
        string manifestName = entries.First(e => e.Name.EndsWith(manifestDigest, StringComparison.Ordinal)).Name;
        switch (kind)
        {
            case "missing-blob":
                string layerDigest = System.Text.RegularExpressions.Regex.Matches(
                    Encoding.UTF8.GetString(entries.First(e => e.Name == manifestName).Data), "sha256:([0-9a-f]{64})")[^1].Groups[1].Value;
                entries.RemoveAll(e => e.Name.EndsWith(layerDigest, StringComparison.Ordinal));
                break;
            case "manifest-garbage":
                Replace(entries, manifestName, "{ this is not a manifest"u8.ToArray());
                break;
            case "wrong-digest-in-index":
                Replace(entries, indexName, Encoding.UTF8.GetBytes(indexJson.Replace(manifestDigest, new string('0', 64))));
                break;
            case "absurd-size":
                Replace(entries, indexName, Encoding.UTF8.GetBytes(
                    System.Text.RegularExpressions.Regex.Replace(indexJson, "\"size\":\\s*\\d+", "\"size\":999999999999999")));
                break;
        }
        var output = new MemoryStream();
        using (var writer = new TarWriter(output, TarEntryFormat.Pax, leaveOpen: true))
        {
            foreach ((string name, byte[] data) in entries)
            {
                var entry = new PaxTarEntry(name.EndsWith('/') ? TarEntryType.Directory : TarEntryType.RegularFile, name);
                if (!name.EndsWith('/'))
                {
                    entry.DataStream = new MemoryStream(data);
                }
                writer.WriteEntry(entry);
            }
        }
        return output.ToArray();
    }

    private static void Replace(List<(string Name, byte[] Data)> entries, string name, byte[] data)
    {
        int i = entries.FindIndex(e => e.Name == name);
        entries[i] = (name, data);
    }
}

/// <summary>Many processes on one store, and processes killed mid-way, leave a consistent store.</summary>
public class ConcurrencyAndCrashTests
{
    [SkippableFact]
    public async Task Eight_processes_importing_tagging_saving_and_removing_leave_a_consistent_store()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "base");
        string[] expected = ["image not known", "image is in use", "tag not known", "no such image"];
        var unexpected = new System.Collections.Concurrent.ConcurrentBag<string>();
        async Task Worker(int w)
        {
            var rnd = new Random(w);
            for (int i = 0; i < 30; i++)
            {
                string name = $"w{rnd.Next(4)}";
                string[] args = rnd.Next(5) switch
                {
                    0 => ["import", "--change", $"LABEL n={w}-{i}", Fixtures.BusyboxTar, name],
                    1 => ["tag", "base", name],
                    2 => ["save", "-o", skiff.Scratch($"w{w}-{i}.tar"), "base"],
                    3 => ["rmi", name],
                    _ => ["images", "--format", "json"],
                };
                ProcessResult r = await skiff.RunAsync(args);
                if (r.ExitCode != 0 && !expected.Any(r.StdErr.Contains))
                {
                    unexpected.Add($"{string.Join(' ', args)}: {r}");
                }
            }
        }
        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(() => Worker(w))));
        Assert.Empty(unexpected);
        ProcessResult check = await skiff.RunAsync("system", "check");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Equal(0, (await skiff.RunAsync("image", "exists", "base")).ExitCode);
    }

    [SkippableFact]
    public async Task Kill_9_at_twenty_moments_of_a_large_load_never_leaves_a_partial_image()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        Skip.If(!File.Exists(Fixtures.DebianTar), "Debian fixture not built (scripts/fixtures.sh --debian)");
        using var source = new SkiffCli();
        await source.OkAsync("import", Fixtures.DebianTar, "debian");
        string archive = source.Scratch("debian.tar");
        await source.OkAsync("save", "-o", archive, "debian");
        using var skiff = new SkiffCli();
        var stopwatch = Stopwatch.StartNew();
        await skiff.OkAsync("load", "-i", archive);
        long fullMs = Math.Max(stopwatch.ElapsedMilliseconds, 200);
        await skiff.OkAsync("rmi", "-a", "-f");

        for (int moment = 0; moment < 20; moment++)
        {
            var psi = new ProcessStartInfo(SkiffCli.Binary!)
            {
                ArgumentList = { "--root", skiff.Root, "--runroot", skiff.RunRoot, "--storage-driver", skiff.Driver, "load", "-q", "-i", archive },
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            using Process p = Process.Start(psi)!;
            await Task.Delay((int)(fullMs * moment / 20));
            try
            {
                p.Kill();
            }
            catch (InvalidOperationException)
            {
                // Already finished: this moment is "after the end".
            }
            await p.WaitForExitAsync();

            string listed = await skiff.OkAsync("images", "--format", "{{.Repository}} {{.ID}}");
            Assert.True(listed.Trim() == "" || listed.Trim().StartsWith("localhost/debian ", StringComparison.Ordinal), listed);
            if (listed.Trim() != "")
            {
                ProcessResult check = await skiff.RunAsync("system", "check");
                Assert.True(check.ExitCode == 0, check.ToString());
                await skiff.OkAsync("rmi", "-a", "-f");
            }
        }
        await skiff.OkAsync("load", "-i", archive);
        Assert.Equal(0, (await skiff.RunAsync("system", "check")).ExitCode);
    }

    [SkippableFact]
    public async Task System_check_finds_a_damaged_layer_and_repair_removes_it()
    {
        Skip.If(SkiffCli.Binary is null, "skiff binary not built");
        using var skiff = new SkiffCli();
        await skiff.OkAsync("import", Fixtures.BusyboxTar, "bb");
        string diff = (await skiff.OkAsync("image", "inspect", "--format", "{{.GraphDriver.Data.UpperDir}}", "bb")).Trim();
        await File.WriteAllTextAsync(Path.Combine(diff, "etc", "passwd"), "tampered\n");

        ProcessResult check = await skiff.RunAsync("system", "check");
        Assert.NotEqual(0, check.ExitCode);
        ProcessResult repair = await skiff.RunAsync("system", "check", "--repair");
        Assert.True(repair.ExitCode == 0, repair.ToString());
        Assert.Contains("bb", repair.StdOut + repair.StdErr);
        Assert.Equal(1, (await skiff.RunAsync("image", "exists", "bb")).ExitCode);
        Assert.Equal(0, (await skiff.RunAsync("system", "check")).ExitCode);
    }
}
