using System.Text;
using Skiff.Runtime.Spec;

namespace Skiff.Runtime;

public sealed partial class ContainerRuntime
{
    /// <summary>
    /// Prepares and creates the container in the runtime (mount, network, spec, conmon + runc create), leaving it
    /// "created": a caller that wants to attach does so now, then calls <see cref="StartCreatedAsync"/>.
    /// Already running: returns false and changes nothing.
    /// </summary>
    public async Task<bool> InitAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Get(nameOrId);
        string id = info.Record.Id;
        using ContainerLock held = LockAndReconcile(id, out ContainerStatus status);
        if (status.State is ContainerState.Running or ContainerState.Paused)
        {
            return false;
        }
        if (status.State == ContainerState.Created && status.Pid > 0)
        {
            return true;
        }
        if (!status.CleanedUp)
        {
            await CleanupLockedAsync(id, info.Definition, status, cancellationToken).ConfigureAwait(false);
        }
        ContainerDefinition def = info.Definition;
        var undo = new List<Func<Task>>();
        Task<Network.NetworkSetup>? networking = null;
        try
        {
            status.CleanedUp = false;
            if (def.NetworkMode is not ("host" or "none"))
            {
                // Persisted at each step: if this process dies here, the next command finds what to undo.
                status.NetNsPath = Network.NetworkManager.NetnsPathFor(id);
                held.Write(status);
                // The network (netavark: the slowest step) is set up while the rootfs is mounted and prepared.
                networking = Task.Run(() => Networks.SetupAsync(def, info.RunDir, cancellationToken), cancellationToken);
                Task<Network.NetworkSetup> pending = networking;
                undo.Add(async () =>
                {
                    Network.NetworkSetup done = await pending.ConfigureAwait(false);
                    await Networks.TeardownAsync(def, done.NetNsPath, done.Ports, CancellationToken.None).ConfigureAwait(false);
                });
            }
            string rootfs = await _store.MountContainerAsync(id, cancellationToken).ConfigureAwait(false);
            undo.Add(() => _store.UnmountContainerAsync(id, force: false, CancellationToken.None));
            status.Mountpoint = rootfs;
            held.Write(status);

            ResolvedUser user = UserResolver.Resolve(rootfs, def.User);
            PrepareWorkingDirectory(rootfs, def.WorkingDir, user);
            IReadOnlyDictionary<string, string> volumes = await ResolveVolumesAsync(def, cancellationToken).ConfigureAwait(false);

            Network.NetworkSetup? net = null;
            if (networking is not null)
            {
                net = await networking.ConfigureAwait(false);
                status.NetNsPath = net.NetNsPath;
                status.NetworkStatus = net.StatusJson;
                status.Ports = net.Ports;
                held.Write(status);
            }
            WriteRunFiles(def, info.RunDir, net);

            string cgroupsPath = $"/skiff/skiff-{id}";
            if (def.Systemd && !File.Exists("/sys/fs/cgroup/cgroup.controllers") && Directory.Exists("/sys/fs/cgroup/systemd"))
            {
                Directory.CreateDirectory(SpecGenerator.SystemdCgroupSource(cgroupsPath));
            }
            RuntimeSpec spec = SpecGenerator.Generate(def, new SpecInputs
            {
                Rootfs = rootfs,
                RunDir = info.RunDir,
                NetworkNamespacePath = net?.NetNsPath,
                VolumePaths = volumes,
                CgroupsPath = cgroupsPath,
                User = user,
                InitPath = _options.InitPath,
            });
            await File.WriteAllBytesAsync(Path.Combine(info.RunDir, "config.json"), SpecGenerator.Serialize(spec), cancellationToken).ConfigureAwait(false);

            Directory.CreateDirectory(Path.GetDirectoryName(info.LogPath)!);
            (int pid, int conmonPid) = await Conmon.CreateAsync(id, def.Name, new ConmonFiles(info.RunDir, info.RunDir, info.LogPath),
                def.Terminal || def.Systemd, def.Stdin, cancellationToken).ConfigureAwait(false);
            status.State = ContainerState.Created;
            status.StoppedByUser = false;
            status.Pid = pid;
            status.ConmonPid = conmonPid;
            status.Error = null;
            status.ExitCode = 0;
            held.Write(status);
            Events.Container("init", def);
            return true;
        }
        catch (Exception e)
        {
            if (networking is not null)
            {
                try
                {
                    await networking.ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Its own failure is undone by the network manager; the first error is the one to report.
                }
            }
            await Oci.DeleteAsync(id, force: true, CancellationToken.None).ConfigureAwait(false);
            for (int i = undo.Count - 1; i >= 0; i--)
            {
                try
                {
                    await undo[i]().ConfigureAwait(false);
                }
                catch (Exception)
                {
                    // Best effort: the first error is the one to report.
                }
            }
            status.State = status.StartedAt is null ? ContainerState.Configured : ContainerState.Exited;
            status.Pid = 0;
            status.ConmonPid = 0;
            status.Mountpoint = null;
            status.NetNsPath = null;
            status.NetworkStatus = null;
            status.Ports = null;
            status.CleanedUp = true;
            status.Error = e.Message;
            held.Write(status);
            throw;
        }
    }

    /// <summary>Starts a created container (`runc start`).</summary>
    public async Task StartCreatedAsync(string id, CancellationToken cancellationToken = default)
    {
        using ContainerLock held = LockAndReconcile(id, out ContainerStatus status);
        if (status.State != ContainerState.Created)
        {
            return;
        }
        await Oci.StartAsync(id, cancellationToken).ConfigureAwait(false);
        status.State = ContainerState.Running;
        status.StartedAt = _time.GetUtcNow();
        status.FinishedAt = null;
        held.Write(status);
        if (_store.FindContainer(id) is { } record)
        {
            Events.Container("start", ReadDefinition(record));
        }
    }

    /// <summary>Marks a process (an attached `run --rm`) as the one that removes the container after it exits.</summary>
    public void SetClient(string id, int pid)
    {
        using ContainerLock held = ContainerLock.Acquire(_store.GetContainerRunDirectory(id));
        ContainerStatus status = held.Read();
        status.ClientPid = pid;
        held.Write(status);
    }

    /// <summary>init + start, for `start` and `run -d`. False when it was running already.</summary>
    public async Task<bool> StartAsync(string nameOrId, CancellationToken cancellationToken = default)
    {
        string id = Get(nameOrId).Record.Id;
        if (!await InitAsync(id, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }
        await StartCreatedAsync(id, cancellationToken).ConfigureAwait(false);
        return true;
    }

    private async Task<IReadOnlyDictionary<string, string>> ResolveVolumesAsync(ContainerDefinition def, CancellationToken cancellationToken)
    {
        var paths = new Dictionary<string, string>();
        foreach (MountDefinition m in def.Mounts.Where(m => m.Type == "volume"))
        {
            Volumes.VolumeRecord volume = await Volumes.GetOrCreateAsync(m.Source, cancellationToken).ConfigureAwait(false);
            paths[m.Source] = volume.Mountpoint;
        }
        return paths;
    }

    /// <summary>Creates the working directory in the rootfs when the image lacks it (podman does the same).</summary>
    private static void PrepareWorkingDirectory(string rootfs, string workingDir, ResolvedUser user)
    {
        if (string.IsNullOrEmpty(workingDir) || workingDir == "/")
        {
            return;
        }
        try
        {
            using var root = Skiff.Interop.FileAt.OpenAt(null, rootfs, Skiff.Interop.FileAt.O_PATH | Skiff.Interop.FileAt.O_DIRECTORY);
            string current = "";
            foreach (string part in workingDir.Split('/', StringSplitOptions.RemoveEmptyEntries))
            {
                current = current.Length == 0 ? part : current + "/" + part;
                try
                {
                    using var _ = Skiff.Interop.FileAt.OpenAt2(root, current, Skiff.Interop.FileAt.O_PATH, 0, Skiff.Interop.FileAt.RESOLVE_IN_ROOT);
                }
                catch (Skiff.Interop.SystemCallException e) when (e.Errno == Skiff.Interop.Errnos.ENOENT)
                {
                    string parent = current.Contains('/', StringComparison.Ordinal) ? current[..current.LastIndexOf('/')] : "";
                    using var dir = parent.Length == 0
                        ? Skiff.Interop.FileAt.OpenAt(root, ".", Skiff.Interop.FileAt.O_PATH | Skiff.Interop.FileAt.O_DIRECTORY)
                        : Skiff.Interop.FileAt.OpenAt2(root, parent, Skiff.Interop.FileAt.O_PATH | Skiff.Interop.FileAt.O_DIRECTORY, 0, Skiff.Interop.FileAt.RESOLVE_IN_ROOT);
                    string leaf = current[(current.LastIndexOf('/') + 1)..];
                    Skiff.Interop.FileAt.TryMkdirAt(dir, leaf, 0x1ED);
                    Skiff.Interop.FileAt.FchownAt(dir, leaf, user.Uid, user.Gid, Skiff.Interop.FileAt.AT_SYMLINK_NOFOLLOW);
                }
            }
        }
        catch (Skiff.Interop.SystemCallException e)
        {
            throw new RuntimeException($"creating working directory {workingDir}: {e.Message}", e);
        }
    }

    /// <summary>/etc/hosts, /etc/hostname, /etc/resolv.conf and /run/.containerenv for the container.</summary>
    private static void WriteRunFiles(ContainerDefinition def, string runDir, Network.NetworkSetup? net)
    {
        string hostname = SpecGenerator.HostnameOf(def);
        File.WriteAllText(Path.Combine(runDir, "hostname"), hostname + "\n");

        var hosts = new StringBuilder();
        hosts.Append("127.0.0.1 localhost localhost.localdomain localhost4 localhost4.localdomain4\n");
        hosts.Append("::1 localhost localhost.localdomain localhost6 localhost6.localdomain6\n");
        if (net?.Address is { } address)
        {
            hosts.Append(address).Append(' ').Append(hostname).Append(' ').Append(def.Name).Append('\n');
            if (net.Gateway is { } gateway)
            {
                hosts.Append(gateway).Append(" host.containers.internal\n");
            }
        }
        else
        {
            hosts.Append("127.0.1.1 ").Append(hostname).Append(' ').Append(def.Name).Append('\n');
        }
        File.WriteAllText(Path.Combine(runDir, "hosts"), hosts.ToString());

        var resolv = new StringBuilder();
        if (net?.DnsServer is { } dns)
        {
            resolv.Append("nameserver ").Append(dns).Append('\n');
        }
        try
        {
            foreach (string line in File.ReadLines("/etc/resolv.conf"))
            {
                string t = line.Trim();
                if (t.StartsWith("nameserver", StringComparison.Ordinal) && (t.Contains(" 127.", StringComparison.Ordinal) || t.EndsWith(" ::1", StringComparison.Ordinal)))
                {
                    continue;
                }
                resolv.Append(line).Append('\n');
            }
        }
        catch (IOException)
        {
        }
        File.WriteAllText(Path.Combine(runDir, "resolv.conf"), resolv.ToString());

        string containerEnv = def.Privileged
            ? $"engine=\"skiff\"\nname=\"{def.Name}\"\nid=\"{def.Id}\"\nimage=\"{def.ImageName}\"\nimageid=\"{def.ImageId}\"\nrootless=0\n"
            : "";
        File.WriteAllText(Path.Combine(runDir, ".containerenv"), containerEnv);
    }
}
