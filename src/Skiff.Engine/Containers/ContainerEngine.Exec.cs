using System.Diagnostics;
using System.Text.Json;
using Skiff.Runtime;
using Skiff.Runtime.Spec;

namespace Skiff.Engine.Containers;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// podman exec: runs a process in a running container with `runc exec` (the container's environment, user,
    /// capabilities and seccomp), on this process's standard streams. Returns the process's exit code, or with -d 0.
    /// </summary>
    public async Task<int> ExecAsync(ExecOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        ContainerInfo info = Runtime.Get(options.Container);
        if (info.Status.State != ContainerState.Running)
        {
            throw new ContainerStateException($"can only create exec sessions on running containers: container state improper");
        }
        if (options.Command.Count == 0)
        {
            throw new RuntimeException("must provide a non-empty command to start an exec session: invalid argument");
        }
        string configPath = Path.Combine(info.RunDir, "config.json");
        RuntimeSpec spec = JsonSerializer.Deserialize(await File.ReadAllBytesAsync(configPath, cancellationToken).ConfigureAwait(false), RuntimeJsonContext.Default.RuntimeSpec)
            ?? throw new RuntimeException($"container {info.Record.Id} has no runtime spec");
        SpecProcess process = spec.Process ?? new SpecProcess();
        process.Terminal = options.Terminal;
        process.Args = [.. options.Command];
        if (spec.Process?.Args is [SpecGenerator.InitMountPoint, "--", ..])
        {
            // The init wrapper belongs to the main process only.
        }
        foreach (string e in options.Env)
        {
            string key = e.Split('=', 2)[0];
            process.Env.RemoveAll(x => x.Split('=', 2)[0] == key);
            process.Env.Add(e.Contains('=', StringComparison.Ordinal) ? e : $"{e}={Environment.GetEnvironmentVariable(e)}");
        }
        if (options.WorkingDir is not null)
        {
            process.Cwd = options.WorkingDir;
        }
        if (options.User is not null)
        {
            ResolvedUser user = UserResolver.Resolve(spec.Root!.Path, options.User);
            process.User = new SpecUser { Uid = user.Uid, Gid = user.Gid, AdditionalGids = user.AdditionalGids.Count > 0 ? [.. user.AdditionalGids] : null };
            bool root = user.Uid == 0;
            if (process.Capabilities is { } caps)
            {
                caps.Effective = root ? [.. caps.Bounding] : [];
                caps.Permitted = root ? [.. caps.Bounding] : [];
            }
        }
        if (options.Privileged && process.Capabilities is { } all)
        {
            List<string> available = [.. SecurityDefaults.Available()];
            all.Bounding = available;
            all.Effective = [.. available];
            all.Permitted = [.. available];
        }
        string session = Guid.NewGuid().ToString("N")[..12];
        string processFile = Path.Combine(info.RunDir, $"exec-{session}.json");
        string logFile = Path.Combine(info.RunDir, $"exec-{session}.log");
        await File.WriteAllBytesAsync(processFile, JsonSerializer.SerializeToUtf8Bytes(process, RuntimeJsonContext.Default.SpecProcess), cancellationToken).ConfigureAwait(false);
        try
        {
            var psi = new ProcessStartInfo(Runtime.Oci.Path) { UseShellExecute = false };
            foreach (string a in Runtime.Oci.GlobalArgs)
            {
                psi.ArgumentList.Add(a);
            }
            foreach (string a in new[] { "--log", logFile, "--log-format", "json", "exec", "--process", processFile })
            {
                psi.ArgumentList.Add(a);
            }
            if (options.Detach)
            {
                psi.ArgumentList.Add("--detach");
                psi.RedirectStandardInput = true;
                psi.RedirectStandardOutput = true;
                psi.RedirectStandardError = true;
            }
            else if (!options.Interactive)
            {
                psi.RedirectStandardInput = true;
            }
            psi.ArgumentList.Add(info.Record.Id);
            using Process p = Process.Start(psi) ?? throw new RuntimeException("cannot start the OCI runtime");
            Runtime.Events.Container("exec", info.Definition);
            if (psi.RedirectStandardInput)
            {
                p.StandardInput.Close();
            }
            Task<string>? err = options.Detach ? p.StandardError.ReadToEndAsync(cancellationToken) : null;
            Task<string>? output = options.Detach ? p.StandardOutput.ReadToEndAsync(cancellationToken) : null;
            await p.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            if (err is not null)
            {
                await err.ConfigureAwait(false);
                await output!.ConfigureAwait(false);
            }
            string? failure = RuntimeLogError(logFile);
            if (failure is not null && (p.ExitCode == 255 || p.ExitCode == 1 || options.Detach && p.ExitCode != 0))
            {
                RuntimeException e = Conmon.RuntimeError(failure);
                throw e is CommandInvocationException ci
                    ? new CommandInvocationException(ci.Message.Replace("runc create failed", "exec failed", StringComparison.Ordinal), ci.ExitCode)
                    : new RuntimeException($"runc: exec failed: {failure}: OCI runtime error");
            }
            if (!options.Detach)
            {
                Runtime.Events.Container("exec_died", info.Definition, p.ExitCode);
            }
            return options.Detach ? 0 : p.ExitCode;
        }
        finally
        {
            TryDelete(processFile);
            TryDelete(logFile);
        }
    }

    private static string? RuntimeLogError(string path)
    {
        try
        {
            string? last = null;
            foreach (string line in File.ReadLines(path))
            {
                try
                {
                    using JsonDocument d = JsonDocument.Parse(line);
                    if (d.RootElement.TryGetProperty("level", out JsonElement l) && l.GetString() is "error" or "fatal"
                        && d.RootElement.TryGetProperty("msg", out JsonElement m))
                    {
                        last = m.GetString();
                    }
                }
                catch (JsonException)
                {
                }
            }
            return last;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
    }
}
