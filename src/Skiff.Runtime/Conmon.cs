using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Runtime;

/// <summary>What conmon writes on the sync pipe: the container's pid, or a negative number and the runtime's error.</summary>
public sealed record ConmonSyncMessage
{
    [JsonPropertyName("data")] public int Data { get; init; }
    [JsonPropertyName("message")] public string? Message { get; init; }
}

/// <summary>Where one container's conmon keeps its files.</summary>
public sealed record ConmonFiles(string Bundle, string RunDir, string LogPath)
{
    public string PidFile => Path.Combine(RunDir, "pidfile");
    public string ConmonPidFile => Path.Combine(RunDir, "conmon.pid");
    public string AttachSocket => Path.Combine(Bundle, "attach");
    public string ControlFifo => Path.Combine(Bundle, "ctl");
}

/// <summary>
/// Starts conmon for a container (podman's createOCIContainer): conmon double-forks, runs `runc create`, reports the
/// container pid on the sync pipe, then stays as the container's monitor, holding its stdio, writing the k8s-file log
/// and the exit file, and running the exit command. The container outlives the process that started it.
/// </summary>
public sealed class Conmon
{
    private readonly RuntimeOptions _options;
    private readonly OciRuntime _runtime;

    public Conmon(RuntimeOptions options, OciRuntime runtime)
    {
        _options = options;
        _runtime = runtime;
    }

    public string ExitFile(string id) => Path.Combine(_options.ExitDir, id);

    /// <summary>Runs conmon + runc create and returns (container pid, conmon pid).</summary>
    public async Task<(int Pid, int ConmonPid)> CreateAsync(string id, string name, ConmonFiles files, bool terminal, bool stdin, CancellationToken cancellationToken = default)
    {
        Directory.CreateDirectory(_options.ExitDir);
        Directory.CreateDirectory(_options.SocketDir);
        Directory.CreateDirectory(_options.RuncRoot);
        TryDelete(ExitFile(id));
        TryDelete(files.PidFile);
        TryDelete(files.ConmonPidFile);
        TryDelete(Path.Combine(files.RunDir, "oci-log"));

        var args = new List<string>
        {
            "--api-version", "1",
            "-c", id,
            "-u", id,
            "-r", _runtime.Path,
            "-b", files.Bundle,
            "-p", files.PidFile,
            "-n", name,
            "--exit-dir", _options.ExitDir,
            "--persist-dir", files.RunDir,
            "--full-attach",
            "-l", "k8s-file:" + files.LogPath,
            "--log-level", "warning",
            "--socket-dir-path", _options.SocketDir,
            "--conmon-pidfile", files.ConmonPidFile,
            "--runtime-arg", "--log-format=json",
            "--runtime-arg", "--log",
            "--runtime-arg=" + Path.Combine(files.RunDir, "oci-log"),
        };
        foreach (string a in _runtime.GlobalArgs)
        {
            args.Add("--runtime-arg");
            args.Add(a);
        }
        if (terminal)
        {
            args.Add("-t");
        }
        if (stdin)
        {
            args.Add("-i");
        }
        if (_options.ExitCommand is { Count: > 0 } exit)
        {
            args.Add("--exit-command");
            args.Add(exit[0]);
            foreach (string a in exit.Skip(1))
            {
                args.Add("--exit-command-arg");
                args.Add(a);
            }
            args.Add("--exit-command-arg");
            args.Add(id);
        }

        (SafeFileHandle syncRead, int syncWrite) = InheritablePipe.CreateForChildWrite();
        using (syncRead)
        {
            var psi = new ProcessStartInfo(_options.ConmonPath)
            {
                UseShellExecute = false,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
            };
            foreach (string a in args)
            {
                psi.ArgumentList.Add(a);
            }
            psi.Environment.Remove("NOTIFY_SOCKET");
            psi.Environment["_OCI_SYNCPIPE"] = syncWrite.ToString(CultureInfo.InvariantCulture);
            Process conmon;
            try
            {
                conmon = Process.Start(psi) ?? throw new RuntimeException($"cannot start {_options.ConmonPath}");
            }
            catch (System.ComponentModel.Win32Exception e)
            {
                throw new RuntimeException($"cannot start conmon {_options.ConmonPath}: {e.Message}", e);
            }
            finally
            {
                InheritablePipe.CloseDescriptor(syncWrite);
            }
            using (conmon)
            {
                conmon.StandardInput.Close();
                Task<string> stderr = conmon.StandardError.ReadToEndAsync(cancellationToken);
                Task<string> stdout = conmon.StandardOutput.ReadToEndAsync(cancellationToken);
                // The first conmon exits once it has forked the monitor; the monitor drops our stdio.
                await conmon.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
                string conmonErr = (await stderr.ConfigureAwait(false)).Trim();
                await stdout.ConfigureAwait(false);

                ConmonSyncMessage? message = await ReadSyncAsync(syncRead, cancellationToken).ConfigureAwait(false);
                if (message is null)
                {
                    throw new RuntimeException($"conmon failed (exit {conmon.ExitCode}): {(conmonErr.Length > 0 ? conmonErr : "no sync message")}");
                }
                if (message.Data < 0)
                {
                    throw RuntimeError(ReadOciLog(files.RunDir) ?? message.Message ?? "container create failed");
                }
                int conmonPid = ReadPidFile(files.ConmonPidFile);
                return (message.Data, conmonPid);
            }
        }
    }

    private static async Task<ConmonSyncMessage?> ReadSyncAsync(SafeFileHandle read, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(read, FileAccess.Read, 1);
        var bytes = new List<byte>();
        byte[] buffer = new byte[4096];
        while (true)
        {
            int n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
            if (n == 0)
            {
                break;
            }
            bytes.AddRange(buffer.AsSpan(0, n));
            if (buffer.AsSpan(0, n).Contains((byte)'\n'))
            {
                break;
            }
        }
        if (bytes.Count == 0)
        {
            return null;
        }
        string line = Encoding.UTF8.GetString(bytes.ToArray()).Split('\n')[0];
        try
        {
            return JsonSerializer.Deserialize(line, RuntimeJsonContext.Default.ConmonSyncMessage);
        }
        catch (JsonException)
        {
            throw new RuntimeException($"conmon sent an unreadable sync message: {line}");
        }
    }

    /// <summary>runc's json log: the last "msg" is the error that failed the create.</summary>
    private static string? ReadOciLog(string runDir)
    {
        try
        {
            string? last = null;
            foreach (string line in File.ReadLines(Path.Combine(runDir, "oci-log")))
            {
                try
                {
                    using JsonDocument d = JsonDocument.Parse(line);
                    if (d.RootElement.TryGetProperty("msg", out JsonElement m) && d.RootElement.TryGetProperty("level", out JsonElement l)
                        && l.GetString() is "error" or "fatal")
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

    /// <summary>Podman's mapping of runtime errors to 127 (not found) and 126 (cannot invoke).</summary>
    public static RuntimeException RuntimeError(string message)
    {
        string runtime = "runc";
        // runc's own message already says which step failed ("runc create failed: ...").
        string prefix = message.StartsWith(runtime + " ", StringComparison.Ordinal) ? $"{runtime}: " : $"{runtime}: {runtime} create failed: ";
        if (message.Contains("executable file not found", StringComparison.Ordinal) || message.Contains("no such file or directory", StringComparison.Ordinal))
        {
            return new CommandInvocationException($"{prefix}{message}: OCI runtime attempted to invoke a command that was not found", 127);
        }
        if (message.Contains("permission denied", StringComparison.Ordinal) || message.Contains("is a directory", StringComparison.Ordinal))
        {
            return new CommandInvocationException($"{prefix}{message}: OCI permission denied", 126);
        }
        return new RuntimeException($"{prefix}{message}: OCI runtime error");
    }

    public static int ReadPidFile(string path)
    {
        try
        {
            return int.TryParse(File.ReadAllText(path).Trim(), NumberStyles.None, CultureInfo.InvariantCulture, out int pid) ? pid : 0;
        }
        catch (IOException)
        {
            return 0;
        }
    }

    /// <summary>Reads the exit file conmon wrote (the exit code, and its time); null when there is none yet.</summary>
    public (int Code, DateTimeOffset Time)? ReadExitFile(string id)
    {
        string path = ExitFile(id);
        try
        {
            string text = File.ReadAllText(path).Trim();
            if (text.Length == 0)
            {
                return null;
            }
            if (!int.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int code))
            {
                return null;
            }
            return (code, new DateTimeOffset(File.GetLastWriteTimeUtc(path), TimeSpan.Zero));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void RemoveExitFile(string id) => TryDelete(ExitFile(id));

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
