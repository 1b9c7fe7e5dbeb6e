using System.Diagnostics;
using System.Text;
using System.Text.Json;
using Skiff.Runtime.Spec;

namespace Skiff.Runtime;

/// <summary>The runc command line: one process per operation, with its own state root under the run root.</summary>
public sealed class OciRuntime
{
    private readonly RuntimeOptions _options;

    public OciRuntime(RuntimeOptions options) => _options = options;

    public string Path => _options.RuntimePath;

    /// <summary>Arguments every invocation starts with (conmon gets them as --runtime-arg).</summary>
    public IReadOnlyList<string> GlobalArgs => [$"--root={_options.RuncRoot}"];

    public Task StartAsync(string id, CancellationToken cancellationToken = default) =>
        CheckedAsync(["start", id], cancellationToken);

    public Task PauseAsync(string id, CancellationToken cancellationToken = default) =>
        CheckedAsync(["pause", id], cancellationToken);

    public Task ResumeAsync(string id, CancellationToken cancellationToken = default) =>
        CheckedAsync(["resume", id], cancellationToken);

    /// <summary>Sends a signal; false when runc says the container is not running any more.</summary>
    public async Task<bool> KillAsync(string id, int signal, bool all, CancellationToken cancellationToken = default)
    {
        List<string> args = all ? ["kill", "--all", id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)]
            : ["kill", id, signal.ToString(System.Globalization.CultureInfo.InvariantCulture)];
        RunResult r = await RunAsync(args, cancellationToken).ConfigureAwait(false);
        if (r.ExitCode == 0)
        {
            return true;
        }
        if (IsGone(r.StdErr))
        {
            return false;
        }
        throw new RuntimeException($"{System.IO.Path.GetFileName(Path)} kill {id}: {r.StdErr.Trim()}");
    }

    /// <summary>Deletes the runtime's record (force kills a live one); a missing container is fine.</summary>
    public async Task DeleteAsync(string id, bool force, CancellationToken cancellationToken = default)
    {
        RunResult r = await RunAsync(force ? ["delete", "--force", id] : ["delete", id], cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0 && !IsGone(r.StdErr))
        {
            throw new RuntimeException($"{System.IO.Path.GetFileName(Path)} delete {id}: {r.StdErr.Trim()}");
        }
    }

    /// <summary>`runc state`; null when the runtime does not know the container.</summary>
    public async Task<RuntimeState?> StateAsync(string id, CancellationToken cancellationToken = default)
    {
        RunResult r = await RunAsync(["state", id], cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0)
        {
            if (IsGone(r.StdErr))
            {
                return null;
            }
            throw new RuntimeException($"{System.IO.Path.GetFileName(Path)} state {id}: {r.StdErr.Trim()}");
        }
        return JsonSerializer.Deserialize(r.StdOut, RuntimeJsonContext.Default.RuntimeState);
    }

    /// <summary>The pids of every process in the container (`runc ps --format json`).</summary>
    public async Task<IReadOnlyList<int>> PidsAsync(string id, CancellationToken cancellationToken = default)
    {
        RunResult r = await RunAsync(["ps", "--format", "json", id], cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0)
        {
            throw new RuntimeException($"{System.IO.Path.GetFileName(Path)} ps {id}: {r.StdErr.Trim()}");
        }
        using JsonDocument doc = JsonDocument.Parse(r.StdOut.Length == 0 ? "[]" : r.StdOut);
        return doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement.EnumerateArray().Select(e => e.GetInt32()).ToList() : [];
    }

    private static bool IsGone(string stderr) =>
        stderr.Contains("does not exist", StringComparison.Ordinal)
        || stderr.Contains("not running", StringComparison.Ordinal)
        || stderr.Contains("container not running", StringComparison.Ordinal)
        || stderr.Contains("process already finished", StringComparison.Ordinal);

    private async Task CheckedAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        RunResult r = await RunAsync(args, cancellationToken).ConfigureAwait(false);
        if (r.ExitCode != 0)
        {
            throw new RuntimeException($"{System.IO.Path.GetFileName(Path)}: {args[0]} {args[^1]}: {RuncMessage(r.StdErr)}");
        }
    }

    /// <summary>runc's stderr is logfmt ("time=... level=error msg=\"...\""); the msg is what a user needs.</summary>
    public static string RuncMessage(string stderr)
    {
        string text = stderr.Trim();
        int msg = text.LastIndexOf("msg=", StringComparison.Ordinal);
        if (msg < 0)
        {
            return text;
        }
        string rest = text[(msg + 4)..];
        if (rest.StartsWith('"'))
        {
            var sb = new StringBuilder();
            for (int i = 1; i < rest.Length; i++)
            {
                if (rest[i] == '\\' && i + 1 < rest.Length)
                {
                    sb.Append(rest[++i]);
                }
                else if (rest[i] == '"')
                {
                    break;
                }
                else
                {
                    sb.Append(rest[i]);
                }
            }
            return sb.ToString();
        }
        return rest;
    }

    internal async Task<RunResult> RunAsync(IReadOnlyList<string> args, CancellationToken cancellationToken)
    {
        var psi = new ProcessStartInfo(Path)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in GlobalArgs)
        {
            psi.ArgumentList.Add(a);
        }
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        return await RunProcessAsync(psi, cancellationToken).ConfigureAwait(false);
    }

    internal static async Task<RunResult> RunProcessAsync(ProcessStartInfo psi, CancellationToken cancellationToken)
    {
        using Process p = Process.Start(psi) ?? throw new RuntimeException($"cannot start {psi.FileName}");
        p.StandardInput.Close();
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        return new RunResult(p.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
    }
}

internal sealed record RunResult(int ExitCode, string StdOut, string StdErr);
