using System.Diagnostics;
using System.Text;

namespace Skiff.TestKit;

/// <summary>The outcome of running a command: exit code and what it printed.</summary>
public sealed record ProcessResult(int ExitCode, string StdOut, string StdErr)
{
    public override string ToString() => $"exit {ExitCode}\nstdout:\n{StdOut}\nstderr:\n{StdErr}";
}

/// <summary>Runs real programs (skiff, podman, skopeo, tar) for integration tests.</summary>
public static class ProcessRunner
{
    public static async Task<ProcessResult> RunAsync(string file, IEnumerable<string> args, byte[]? stdin = null,
        IDictionary<string, string>? env = null, TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        var psi = new ProcessStartInfo(file)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }
        if (env is not null)
        {
            foreach ((string k, string v) in env)
            {
                psi.Environment[k] = v;
            }
        }
        using var p = Process.Start(psi)!;
        Task<string> stdout = p.StandardOutput.ReadToEndAsync(cancellationToken);
        Task<string> stderr = p.StandardError.ReadToEndAsync(cancellationToken);
        if (stdin is not null)
        {
            await p.StandardInput.BaseStream.WriteAsync(stdin, cancellationToken);
        }
        p.StandardInput.Close();
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cts.CancelAfter(timeout ?? TimeSpan.FromMinutes(5));
        try
        {
            await p.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{file} {string.Join(' ', args)} did not finish");
        }
        return new ProcessResult(p.ExitCode, await stdout, await stderr);
    }

    public static string? Which(string name)
    {
        foreach (string dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
        {
            string candidate = Path.Combine(dir, name);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }
        return null;
    }
}
