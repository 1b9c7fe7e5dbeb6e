using System.Diagnostics;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;
using Skiff.Runtime;
using Skiff.Runtime.Spec;

namespace Skiff.Build.Run;

/// <summary>What <c>buildah run</c> runs and how.</summary>
public sealed record RunRequest
{
    public required IReadOnlyList<string> Command { get; init; }
    public IReadOnlyList<string> Env { get; init; } = [];
    public string? WorkingDir { get; init; }
    public string? User { get; init; }

    /// <summary>-v host:container[:options].</summary>
    public IReadOnlyList<string> Volumes { get; init; } = [];

    /// <summary>host (default here: the working container has no network setup of its own), none/private.</summary>
    public string? Network { get; init; }

    /// <summary>oci or chroot; both run through runc here (chroot only skips the network namespace question).</summary>
    public string? Isolation { get; init; }
    public IReadOnlyList<string> CapAdd { get; init; } = [];
    public IReadOnlyList<string> CapDrop { get; init; } = [];
    public bool Terminal { get; init; }

    /// <summary>Extra mounts (RUN --mount): bind, tmpfs; their targets, when runc has to create them, are removed afterwards.</summary>
    public IReadOnlyList<MountDefinition> Mounts { get; init; } = [];

    /// <summary>The OCI runtime binary (runc by default).</summary>
    public string Runtime { get; init; } = "runc";

    /// <summary>runc's state root (--root).</summary>
    public required string RuntimeStateRoot { get; init; }
}

/// <summary>
/// Runs one command in a working container's mounted root with runc directly (no conmon): a bundle with a
/// generated config.json in a temp dir, `runc run` in the foreground with our stdio, its exit code returned.
/// </summary>
public static class BuildRunner
{
    // Mount points runc creates when the image lacks them; they are removed afterwards so they stay out of commits.
    private static readonly string[] MountTargets = ["proc", "sys", "dev", "etc/hosts", "etc/hostname", "etc/resolv.conf", "run/.containerenv", "run", "etc"];

    public static async Task<int> RunAsync(string containerId, string rootfs, Skiff.Image.ContainerConfig config, RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(request);
        if (request.Command.Count == 0)
        {
            throw new BuildException("command must be specified");
        }
        string network = request.Network switch
        {
            null or "" or "host" => "host",
            "none" or "private" => "none",
            _ => throw new BuildException($"--network {request.Network}: only host and none are supported by buildah run here"),
        };
        var env = new List<string>(config.Env ?? []);
        foreach (string e in request.Env)
        {
            string key = e.Split('=', 2)[0];
            env.RemoveAll(x => x.Split('=', 2)[0] == key);
            env.Add(e.Contains('=') ? e : $"{e}={Environment.GetEnvironmentVariable(e)}");
        }

        var mounts = new List<MountDefinition>();
        foreach (string v in request.Volumes)
        {
            string[] parts = v.Split(':');
            if (parts.Length < 2 || parts[0].Length == 0 || !parts[1].StartsWith('/'))
            {
                throw new BuildException($"invalid volume \"{v}\": expected HOST-DIR:CONTAINER-DIR[:OPTIONS]");
            }
            mounts.Add(new MountDefinition
            {
                Type = "bind",
                Source = Path.GetFullPath(parts[0]),
                Destination = parts[1],
                Options = parts.Length > 2 ? parts[2].Split(',').ToList() : [],
            });
        }

        mounts.AddRange(request.Mounts);

        string bundle = Directory.CreateTempSubdirectory("skiff-run-").FullName;
        string runId = $"buildah-{containerId[..Math.Min(12, containerId.Length)]}-{Guid.NewGuid().ToString("N")[..8]}";
        List<string> created = MissingTargets(rootfs, request.Mounts.Select(m => m.Destination));
        try
        {
            string runDir = Path.Combine(bundle, "run");
            Directory.CreateDirectory(runDir);
            string hostname = containerId[..Math.Min(12, containerId.Length)];
            await File.WriteAllTextAsync(Path.Combine(runDir, "hostname"), hostname + "\n", cancellationToken).ConfigureAwait(false);
            await File.WriteAllTextAsync(Path.Combine(runDir, "hosts"), $"127.0.0.1\tlocalhost\n::1\tlocalhost\n127.0.1.1\t{hostname}\n", cancellationToken).ConfigureAwait(false);
            if (File.Exists("/etc/resolv.conf"))
            {
                File.Copy("/etc/resolv.conf", Path.Combine(runDir, "resolv.conf"));
            }
            await File.WriteAllTextAsync(Path.Combine(runDir, ".containerenv"), "engine=\"buildah\"\n", cancellationToken).ConfigureAwait(false);

            var definition = new ContainerDefinition
            {
                Id = containerId,
                Args = [.. request.Command],
                Env = env,
                WorkingDir = request.WorkingDir is { Length: > 0 } wd ? wd : config.WorkingDir is { Length: > 0 } cwd ? cwd : "/",
                User = request.User is { Length: > 0 } u ? u : config.User,
                Hostname = hostname,
                Terminal = request.Terminal,
                CapAdd = [.. request.CapAdd],
                CapDrop = [.. request.CapDrop],
                Mounts = mounts,
                NetworkMode = network,
                Seccomp = File.Exists(SeccompProfile.DefaultPath) ? "default" : "unconfined",
            };
            var inputs = new SpecInputs
            {
                Rootfs = rootfs,
                RunDir = runDir,
                User = UserResolver.Resolve(rootfs, definition.User),
            };
            RuntimeSpec spec = SpecGenerator.Generate(definition, inputs);
            if (spec.Process is { } process)
            {
                process.Env = process.Env.Select(e => e == "container=podman" ? "container=buildah" : e).ToList();
            }
            await File.WriteAllBytesAsync(Path.Combine(bundle, "config.json"), SpecGenerator.Serialize(spec), cancellationToken).ConfigureAwait(false);

            Directory.CreateDirectory(request.RuntimeStateRoot);
            var start = new ProcessStartInfo(request.Runtime) { UseShellExecute = false };
            foreach (string arg in new[] { "--root", request.RuntimeStateRoot, "run", "--bundle", bundle, runId })
            {
                start.ArgumentList.Add(arg);
            }
            using Process runc = Process.Start(start) ?? throw new BuildException($"starting {request.Runtime} failed");
            await runc.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return runc.ExitCode;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new BuildException($"running {request.Runtime}: {e.Message}", e);
        }
        finally
        {
            RemoveCreated(rootfs, created);
            try
            {
                Directory.Delete(bundle, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static List<string> MissingTargets(string rootfs, IEnumerable<string> extraTargets)
    {
        var missing = new List<string>();
        using SafeFileHandle root = FileAt.OpenAt(null, rootfs, FileAt.O_PATH | FileAt.O_DIRECTORY);
        foreach (string target in MountTargets)
        {
            if (!FileAt.TryStatx(root, target, FileAt.AT_SYMLINK_NOFOLLOW, out _, out int errno) && errno == Errnos.ENOENT)
            {
                missing.Add(target);
            }
        }
        foreach (string target in extraTargets)
        {
            // Every missing component of the path is one runc will create. A symlink on the way is left alone:
            // the later removal walks the path on the host side and must never follow a link out of the root.
            string prefix = "";
            foreach (string part in target.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                if (part is "." or "..")
                {
                    break;
                }
                prefix = prefix.Length == 0 ? part : prefix + "/" + part;
                if (FileAt.TryStatx(root, prefix, FileAt.AT_SYMLINK_NOFOLLOW, out StatxNative st, out int errno))
                {
                    if ((st.Mode & FileAt.S_IFMT) != FileAt.S_IFDIR)
                    {
                        break;
                    }
                    continue;
                }
                if (errno == Errnos.ENOENT && !missing.Contains(prefix))
                {
                    missing.Add(prefix);
                }
            }
        }
        return missing;
    }

    /// <summary>Removes mount points runc made (empty files and directories only), deepest first.</summary>
    private static void RemoveCreated(string rootfs, List<string> created)
    {
        using SafeFileHandle root = FileAt.OpenAt(null, rootfs, FileAt.O_PATH | FileAt.O_DIRECTORY);
        foreach (string target in created.OrderByDescending(t => t.Count(c => c == '/')))
        {
            if (!FileAt.TryStatx(root, target, FileAt.AT_SYMLINK_NOFOLLOW, out StatxNative st, out _))
            {
                continue;
            }
            bool dir = (st.Mode & FileAt.S_IFMT) == FileAt.S_IFDIR;
            if (!dir && st.Size != 0)
            {
                continue;
            }
            // rmdir fails on a non-empty directory, which is what we want: content made by the command stays.
            FileAt.TryUnlinkAt(root, target, dir ? FileAt.AT_REMOVEDIR : 0);
        }
    }

}
