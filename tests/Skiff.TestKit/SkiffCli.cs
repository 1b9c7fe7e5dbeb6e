using System.Text;

namespace Skiff.TestKit;

/// <summary>
/// The published skiff binary (SKIFF_BIN, set by scripts/test.sh) run against a private store in a temp
/// directory, so tests run in parallel and leave nothing behind.
/// </summary>
public sealed class SkiffCli : IDisposable
{
    private readonly TempDir _dir = new("skiff-store");

    public SkiffCli(string driver = "overlay")
    {
        Driver = driver;
        Root = _dir.Combine("root");
        RunRoot = _dir.Combine("run");
    }

    public static string? Binary
    {
        get
        {
            string? bin = Environment.GetEnvironmentVariable("SKIFF_BIN");
            if (bin is not null && File.Exists(bin))
            {
                return bin;
            }
            // Running from an IDE or plain `dotnet test`: look for the published binary at the repo root.
            for (var d = new DirectoryInfo(AppContext.BaseDirectory); d is not null; d = d.Parent)
            {
                string candidate = System.IO.Path.Combine(d.FullName, "out", "skiff");
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
            return null;
        }
    }

    public string Root { get; }
    public string RunRoot { get; }
    public string Driver { get; }

    /// <summary>A scratch directory beside the store, removed with it.</summary>
    public string Scratch(string name)
    {
        string p = _dir.Combine("scratch", name);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(p)!);
        return p;
    }

    public Task<ProcessResult> RunAsync(params string[] args) => RunAsync(args, null);

    public Task<ProcessResult> RunAsync(IEnumerable<string> args, byte[]? stdin, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync(Binary ?? throw new InvalidOperationException("skiff binary not built (scripts/build.sh)"),
            ["--root", Root, "--runroot", RunRoot, "--storage-driver", Driver, .. args], stdin, timeout: timeout);

    /// <summary>Runs and asserts success, returning stdout.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        ProcessResult r = await RunAsync(args);
        if (r.ExitCode != 0)
        {
            throw new Xunit.Sdk.XunitException($"skiff {string.Join(' ', args)} failed: {r}");
        }
        return r.StdOut;
    }

    /// <summary>Every file under the store with its size: to show that a failed command changed nothing.</summary>
    public string Snapshot()
    {
        if (!Directory.Exists(Root))
        {
            return "";
        }
        var sb = new StringBuilder();
        foreach (string f in Directory.EnumerateFileSystemEntries(Root, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string rel = System.IO.Path.GetRelativePath(Root, f);
            if (rel.EndsWith(".lock", StringComparison.Ordinal) || rel.StartsWith("tmp", StringComparison.Ordinal))
            {
                continue;
            }
            var info = new FileInfo(f);
            sb.Append(rel).Append(' ').Append(info.Exists ? info.Length : -1).Append('\n');
        }
        return sb.ToString();
    }

    public void Dispose()
    {
        if (Binary is not null && Directory.Exists(Root))
        {
            // Unmounts anything left mounted before the tree goes.
            ProcessRunner.RunAsync(Binary, ["--root", Root, "--runroot", RunRoot, "system", "reset", "-f"]).GetAwaiter().GetResult();
        }
        _dir.Dispose();
    }
}

/// <summary>Base images made locally by scripts/fixtures.sh (busybox-static, mmdebstrap).</summary>
public static class Fixtures
{
    public static string Directory => Environment.GetEnvironmentVariable("SKIFF_FIXTURES") ?? "/var/cache/skiff-fixtures";

    public static string BusyboxTar => System.IO.Path.Combine(Directory, "busybox.tar");

    public static string DebianTar => System.IO.Path.Combine(Directory, "debian.tar");
}
