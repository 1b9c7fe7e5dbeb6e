using System.Globalization;
using Microsoft.Win32.SafeHandles;
using Skiff.Build.Containers;
using Skiff.Build.Copy;
using Skiff.Runtime;

namespace Skiff.Build.Containerfile;

public sealed partial class BuildExecutor
{
    /// <summary>
    /// The mounts of a RUN's <c>--mount</c> flags, ready for the runner: bind (from the context, or a stage or image
    /// with <c>from=</c>), cache (a directory under the store kept across builds), tmpfs and secret. What they needed
    /// set up (temporary copies, working containers of other images) is undone by <paramref name="cleanups"/>.
    /// </summary>
    private async Task<List<MountDefinition>> PrepareMountsAsync(Instruction ins, Func<string, string?> lookup, List<Stage> stages, Stage stage,
        BuildRequest req, string workingDir, List<Func<Task>> cleanups, CancellationToken cancellationToken)
    {
        var result = new List<MountDefinition>();
        foreach (KeyValuePair<string, string> flag in ins.FlagList.Where(f => f.Key == "mount"))
        {
            Dictionary<string, string> o = ParseMount(ins, Words.Expand(flag.Value, lookup));
            string type = o.GetValueOrDefault("type", "bind");
            string? target = o.GetValueOrDefault("target") ?? o.GetValueOrDefault("dst") ?? o.GetValueOrDefault("destination");
            if (type == "secret")
            {
                string id = o.GetValueOrDefault("id") ?? (target is null ? "" : Path.GetFileName(target));
                target ??= "/run/secrets/" + id;
            }
            if (string.IsNullOrEmpty(target))
            {
                throw new ContainerfileException($"{ins.Where}: --mount={flag.Value}: target= is required");
            }
            if (!target.StartsWith('/'))
            {
                target = workingDir.TrimEnd('/') + "/" + target;
            }
            bool readOnly = o.ContainsKey("ro") || o.ContainsKey("readonly") ? IsTrue(o.GetValueOrDefault("ro") ?? o["readonly"])
                : !(o.ContainsKey("rw") && IsTrue(o["rw"])) && !(o.ContainsKey("readwrite") && IsTrue(o["readwrite"]));
            switch (type)
            {
                case "bind":
                {
                    string source = await BindSourceAsync(ins, o, stages, stage, req, cleanups, cancellationToken).ConfigureAwait(false);
                    if (!readOnly)
                    {
                        // Writes to a read-write bind mount are thrown away, as Buildah does with an overlay: the
                        // command works on a copy so neither the context nor another image changes.
                        string copy = Directory.CreateTempSubdirectory("skiff-bind-").FullName;
                        cleanups.Add(() => DeleteTree(copy));
                        string dest = Path.Combine(copy, "src");
                        CopyTree(source, dest);
                        source = dest;
                    }
                    result.Add(new MountDefinition { Type = "bind", Source = source, Destination = target, Options = ["rbind", readOnly ? "ro" : "rw"] });
                    break;
                }
                case "cache":
                {
                    if (o.ContainsKey("from"))
                    {
                        throw new ContainerfileException($"{ins.Where}: --mount=type=cache,from=... is not supported");
                    }
                    string id = o.GetValueOrDefault("id") ?? target;
                    string dir = Path.Combine(_store.Options.GraphRoot, "skiff-build-cache-mounts", Hash(id));
                    if (!Directory.Exists(dir))
                    {
                        Directory.CreateDirectory(dir);
                        File.SetUnixFileMode(dir, (UnixFileMode)ParseOctal(ins, o.GetValueOrDefault("mode") ?? "755"));
                        Chown(dir, o);
                    }
                    // A cache mount is read-write unless asked otherwise (the reverse of bind).
                    bool ro = o.ContainsKey("ro") || o.ContainsKey("readonly");
                    result.Add(new MountDefinition { Type = "bind", Source = dir, Destination = target, Options = ["rbind", ro ? "ro" : "rw"] });
                    break;
                }
                case "tmpfs":
                {
                    var options = new List<string>();
                    if (o.TryGetValue("size", out string? size) || o.TryGetValue("tmpfs-size", out size))
                    {
                        options.Add("size=" + size);
                    }
                    result.Add(new MountDefinition { Type = "tmpfs", Destination = target, Options = options });
                    break;
                }
                case "secret":
                {
                    string id = o.GetValueOrDefault("id") ?? Path.GetFileName(target);
                    bool required = o.TryGetValue("required", out string? r) && IsTrue(r);
                    if (!req.Secrets.TryGetValue(id, out BuildSecret? secret))
                    {
                        if (required)
                        {
                            throw new BuildException($"{ins.Where}: secret \"{id}\" is required: pass it with --secret id={id},src=FILE");
                        }
                        continue;
                    }
                    byte[] content = secret.File is { } file ? await File.ReadAllBytesAsync(file, cancellationToken).ConfigureAwait(false)
                        : System.Text.Encoding.UTF8.GetBytes(Environment.GetEnvironmentVariable(secret.EnvironmentVariable ?? id) ?? "");
                    string dir = Directory.CreateTempSubdirectory("skiff-secret-").FullName;
                    cleanups.Add(() => DeleteTree(dir));
                    string path = Path.Combine(dir, "secret");
                    await File.WriteAllBytesAsync(path, content, cancellationToken).ConfigureAwait(false);
                    File.SetUnixFileMode(path, (UnixFileMode)ParseOctal(ins, o.GetValueOrDefault("mode") ?? "400"));
                    Chown(path, o);
                    result.Add(new MountDefinition { Type = "bind", Source = path, Destination = target, Options = ["rbind", "ro"] });
                    break;
                }
                default:
                    throw new ContainerfileException($"{ins.Where}: --mount type \"{type}\" is not supported (bind, cache, tmpfs, secret)");
            }
        }
        return result;
    }

    private static Dictionary<string, string> ParseMount(Instruction ins, string value)
    {
        var o = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (string part in value.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = part.Split('=', 2);
            string key = kv[0].Trim().ToLowerInvariant();
            if (key.Length == 0)
            {
                throw new ContainerfileException($"{ins.Where}: invalid --mount \"{value}\"");
            }
            o[key] = kv.Length == 2 ? kv[1] : "true";
        }
        if (o.TryGetValue("src", out string? src))
        {
            o.TryAdd("source", src);
        }
        return o;
    }

    private static bool IsTrue(string v) => !v.Equals("false", StringComparison.OrdinalIgnoreCase);

    private static uint ParseOctal(Instruction ins, string text)
    {
        try
        {
            return Convert.ToUInt32(text, 8) & 0xFFF;
        }
        catch (FormatException e)
        {
            throw new ContainerfileException($"{ins.Where}: invalid mode \"{text}\": {e.Message}");
        }
    }

    private static void Chown(string path, Dictionary<string, string> o)
    {
        if (o.ContainsKey("uid") || o.ContainsKey("gid"))
        {
            uint uid = uint.Parse(o.GetValueOrDefault("uid", "0"), NumberStyles.None, CultureInfo.InvariantCulture);
            uint gid = uint.Parse(o.GetValueOrDefault("gid", "0"), NumberStyles.None, CultureInfo.InvariantCulture);
            Skiff.Interop.FileAt.FchownAt(null, path, uid, gid, 0);
        }
    }

    /// <summary>The host path a bind mount's source names: inside the context, or inside a stage's or image's root.</summary>
    private async Task<string> BindSourceAsync(Instruction ins, Dictionary<string, string> o, List<Stage> stages, Stage stage, BuildRequest req,
        List<Func<Task>> cleanups, CancellationToken cancellationToken)
    {
        string source = o.GetValueOrDefault("source", "/");
        SourceTree tree;
        if (o.TryGetValue("from", out string? from))
        {
            string image = StageImage(stages, stage, from) ?? from;
            Builder b = await _containers.FromAsync(new FromRequest { Image = image, Name = "skiff-build-" + Guid.NewGuid().ToString("N")[..12], Pull = req.Pull },
                cancellationToken).ConfigureAwait(false);
            cleanups.Add(() => _containers.DeleteAsync(b, CancellationToken.None));
            string root = await _containers.MountAsync(b, cancellationToken).ConfigureAwait(false);
            cleanups.Add(() => _store.UnmountContainerAsync(b.Id, force: false, CancellationToken.None));
            tree = SourceTree.Rooted(root);
        }
        else
        {
            tree = SourceTree.Context(req.ContextDir);
        }
        using (tree)
        {
            try
            {
                using SafeFileHandle h = tree.Open(source);
                // The kernel's name for what the handle resolved to: a path that stays inside the tree.
                return new FileInfo("/proc/self/fd/" + h.DangerousGetHandle().ToString(CultureInfo.InvariantCulture)).LinkTarget
                    ?? throw new BuildException($"{ins.Where}: --mount source \"{source}\" cannot be resolved");
            }
            catch (BuildException e) when (e is not ContainerfileException)
            {
                throw new BuildException($"{ins.Where}: --mount source: {e.Message}", e);
            }
        }
    }

    private static void CopyTree(string source, string dest)
    {
        if (!Directory.Exists(source))
        {
            File.Copy(source, dest);
            return;
        }
        Directory.CreateDirectory(dest);
        File.SetUnixFileMode(dest, new DirectoryInfo(source).UnixFileMode);
        foreach (FileSystemInfo child in new DirectoryInfo(source).EnumerateFileSystemInfos())
        {
            string to = Path.Combine(dest, child.Name);
            if (child.LinkTarget is { } link)
            {
                File.CreateSymbolicLink(to, link);
            }
            else if (child is DirectoryInfo)
            {
                CopyTree(child.FullName, to);
            }
            else
            {
                File.Copy(child.FullName, to);
            }
        }
    }

    private static Task DeleteTree(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return Task.CompletedTask;
    }
}
