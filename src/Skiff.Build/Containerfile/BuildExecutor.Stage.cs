using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Skiff.Build.Containers;
using Skiff.Build.Copy;
using Skiff.Build.Run;
using Skiff.Image;
using Skiff.Interop;

namespace Skiff.Build.Containerfile;

public sealed partial class BuildExecutor
{
    private static readonly List<string> DefaultShell = ["/bin/sh", "-c"];

    // Bumped when what a step does changes (WORKDIR stopped making its directory), so older cache entries miss.
    private const string CacheVersion = "2";

    private const string DefaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private async Task BuildStageAsync(List<Stage> stages, Stage stage, Dictionary<string, string?> globalArgs, RunState run, bool isFinal, CancellationToken cancellationToken)
    {
        BuildRequest req = run.Request;
        run.Step++;
        run.Output?.WriteLine($"STEP {run.Step}/{run.Total}: {stage.From.Original}");
        string baseName = Words.Split(stage.From.Arguments, n => globalArgs.TryGetValue(n, out string? v) ? v : Predefined(n))[0];
        Stage? byName = stages.Take(stage.Index).LastOrDefault(s => s.Name == baseName)
            ?? (int.TryParse(baseName, NumberStyles.None, CultureInfo.InvariantCulture, out int idx) && idx < stage.Index ? stages[idx] : null);

        Builder? builder = await _containers.FromAsync(new FromRequest
        {
            Image = byName?.ImageId ?? baseName,
            Name = "skiff-build-" + Guid.NewGuid().ToString("N")[..12],
            Pull = req.Pull,
        }, cancellationToken).ConfigureAwait(false);
        string? current = builder.Record.ImageId;
        if (!(builder.ContainerConfig.Env ?? []).Any(e => e.StartsWith("PATH=", StringComparison.Ordinal)))
        {
            // As imagebuilder does for podman build: a stage whose base sets no PATH gets the default one.
            builder.State = ConfigEditor.Apply(builder.State, new ConfigEdit { Env = [DefaultPath] });
        }
        List<Instruction> triggers = TakeOnBuildTriggers(builder, stage.From);
        var stageArgs = new Dictionary<string, string?>(StringComparer.Ordinal);
        bool cmdSetHere = false;
        string lastCreatedBy = "";
        bool pending = false;
        BuilderState? carried = null;
        try
        {
            foreach (Instruction ins in triggers.Concat(stage.Body))
            {
                if (triggers.Contains(ins))
                {
                    run.Output?.WriteLine($"--> ONBUILD {ins.Original}");
                }
                else
                {
                    run.Step++;
                    run.Output?.WriteLine($"STEP {run.Step}/{run.Total}: {ins.Original}");
                }
                ImageConfig config = builder?.Config ?? ConfigOf(current);
                string? Lookup(string name)
                {
                    foreach (string e in config.Config?.Env ?? [])
                    {
                        if (e.StartsWith(name + "=", StringComparison.Ordinal))
                        {
                            return e[(name.Length + 1)..];
                        }
                    }
                    return stageArgs.TryGetValue(name, out string? v) ? v : null;
                }

                if (ins.Keyword == "ARG")
                {
                    foreach ((string k, string v) in Words.Pairs(ins.Arguments, Lookup, "ARG"))
                    {
                        stageArgs[k] = req.BuildArgs.TryGetValue(k, out string? given) ? given
                            : v != "\0" ? v
                            : globalArgs.TryGetValue(k, out string? g) ? g
                            : Predefined(k);
                    }
                    continue;
                }

                (string keyText, string createdBy) = await DescribeAsync(ins, Lookup, stageArgs, stages, stage, req, cancellationToken).ConfigureAwait(false);
                string key = Hash(CacheVersion + "\n" + (current ?? "scratch") + "\n" + req.Format + "\n" + keyText);
                if (req.Layers && !req.NoCache && _cache.Find(key) is { } hit && _store.FindImage(hit) is not null)
                {
                    if (builder is not null)
                    {
                        carried = builder.State;
                        await _containers.DeleteAsync(builder, CancellationToken.None).ConfigureAwait(false);
                        builder = null;
                    }
                    if (carried is not null && ins.Keyword is "SHELL" or "ONBUILD")
                    {
                        // The cached image of an OCI build lacks what this step set: the stage still needs it.
                        carried = ConfigEditor.Apply(carried, ins.Keyword == "SHELL"
                            ? new ConfigEdit { Shell = ToJsonArray(ins.ExecForm ?? []) }
                            : new ConfigEdit { OnBuild = [ins.Arguments] });
                    }
                    current = hit;
                    run.Output?.WriteLine($"--> Using cache {hit}");
                    run.Output?.WriteLine($"--> {hit[..11]}");
                    continue;
                }

                if (builder is null)
                {
                    builder = await _containers.FromAsync(new FromRequest { Image = current ?? WorkingContainers.Scratch, Name = "skiff-build-" + Guid.NewGuid().ToString("N")[..12] }, cancellationToken).ConfigureAwait(false);
                    if (carried is not null)
                    {
                        // An OCI image has no place for SHELL, ONBUILD or HEALTHCHECK: the stage keeps them across its steps.
                        builder.State = builder.State with { Shell = carried.Shell, OnBuild = carried.OnBuild, Healthcheck = carried.Healthcheck };
                    }
                }
                run.Output?.Flush();
                bool changedFiles = await ApplyAsync(builder, ins, Lookup, stageArgs, stages, stage, req, cmdSetHere, cancellationToken).ConfigureAwait(false);
                cmdSetHere |= ins.Keyword == "CMD";
                lastCreatedBy = createdBy;
                pending = true;
                if (req.Layers)
                {
                    CommitResult committed = await _containers.CommitAsync(builder, new CommitRequest
                    {
                        Format = req.Format,
                        EmptyLayer = !changedFiles,
                        CreatedBy = createdBy,
                    }, cancellationToken).ConfigureAwait(false);
                    carried = builder.State;
                    await _containers.DeleteAsync(builder, CancellationToken.None).ConfigureAwait(false);
                    builder = null;
                    current = committed.ImageId;
                    pending = false;
                    _cache.Record(key, current);
                    run.Output?.WriteLine($"--> {current[..11]}");
                }
            }

            if (builder is not null && (pending || current is null))
            {
                CommitResult committed = await _containers.CommitAsync(builder, new CommitRequest
                {
                    Format = req.Format,
                    CreatedBy = lastCreatedBy.Length > 0 ? lastCreatedBy : null,
                }, cancellationToken).ConfigureAwait(false);
                current = committed.ImageId;
            }
            stage.ImageId = current;
        }
        finally
        {
            if (builder is not null)
            {
                await _containers.DeleteAsync(builder, CancellationToken.None).ConfigureAwait(false);
            }
        }
        _ = isFinal;
    }

    /// <summary>
    /// The base image's ONBUILD triggers as instructions to run first in this stage; they are taken out of the
    /// config, so the image built here does not carry them on (as Docker and Buildah do).
    /// </summary>
    private static List<Instruction> TakeOnBuildTriggers(Builder builder, Instruction from)
    {
        ImageConfig config = builder.Config;
        if (config.Config?.Extra is not { } extra || !extra.TryGetValue("OnBuild", out System.Text.Json.JsonElement onBuild))
        {
            return [];
        }
        var triggers = new List<Instruction>();
        if (onBuild.ValueKind == System.Text.Json.JsonValueKind.Array)
        {
            foreach (System.Text.Json.JsonElement e in onBuild.EnumerateArray())
            {
                string text = e.GetString() ?? "";
                foreach (Instruction t in Parser.Parse(text, from.File))
                {
                    if (t.Keyword is "ONBUILD" or "FROM" or "MAINTAINER")
                    {
                        throw new ContainerfileException($"{from.Where}: {t.Keyword} isn't allowed as an ONBUILD trigger");
                    }
                    triggers.Add(t with { Line = from.Line });
                }
            }
        }
        extra.Remove("OnBuild");
        var cc = config.Config with { Extra = extra.Count == 0 ? null : extra };
        builder.State = builder.State with { Config = Encoding.UTF8.GetString((config with { Config = cc }).ToJson()), OnBuild = null };
        return triggers;
    }

    private ImageConfig ConfigOf(string? imageId)
    {
        if (imageId is null || _store.FindImage(imageId) is not { } image)
        {
            return new ImageConfig { Architecture = Platform.Current.Architecture, Os = Platform.Current.Os };
        }
        return ImageConfig.Parse(_store.ReadImageConfig(image));
    }

    /// <summary>Buildah's predefined build arguments (TARGETARCH, BUILDPLATFORM, ...).</summary>
    private static string? Predefined(string name)
    {
        Platform p = Platform.Current;
        string platform = p.Variant is { Length: > 0 } v ? $"{p.Os}/{p.Architecture}/{v}" : $"{p.Os}/{p.Architecture}";
        return name switch
        {
            "TARGETPLATFORM" or "BUILDPLATFORM" => platform,
            "TARGETOS" or "BUILDOS" => p.Os,
            "TARGETARCH" or "BUILDARCH" => p.Architecture,
            "TARGETVARIANT" or "BUILDVARIANT" => p.Variant ?? "",
            _ => null,
        };
    }

    /// <summary>The cache key text (instruction, arguments in effect, content of COPY sources) and the history line.</summary>
    private async Task<(string Key, string CreatedBy)> DescribeAsync(Instruction ins, Func<string, string?> lookup, Dictionary<string, string?> args,
        List<Stage> stages, Stage stage, BuildRequest req, CancellationToken cancellationToken)
    {
        string argText = string.Join(' ', args.Where(a => a.Value is not null).OrderBy(a => a.Key, StringComparer.Ordinal).Select(a => $"{a.Key}={a.Value}"));
        switch (ins.Keyword)
        {
            case "RUN":
            {
                string body = ins.ExecForm is { } exec ? ToJsonArray(exec) : ins.Arguments + string.Concat(ins.Heredocs.Select(h => "\n" + h.Content));
                string prefix = args.Count > 0 ? $"|{args.Count.ToString(CultureInfo.InvariantCulture)} {argText} " : "";
                return ($"RUN {string.Join(' ', ins.FlagList.Select(f => $"--{f.Key}={f.Value}"))} {argText}\n{body}", $"{prefix}/bin/sh -c {body}");
            }
            case "COPY" or "ADD":
            {
                (List<string> sources, string dest) = CopyArguments(ins, lookup);
                string content;
                if (ins.Flags.TryGetValue("from", out string? from))
                {
                    content = "from:" + (StageImage(stages, stage, Words.Expand(from, lookup)) ?? _store.FindImage(Words.Expand(from, lookup))?.Id ?? from);
                }
                else
                {
                    var local = sources.Where(s => !IsUrl(s)).ToList();
                    content = local.Count == 0 ? "" : await Task.Run(() => ContentDigest(req.ContextDir, local, _ignore), cancellationToken).ConfigureAwait(false);
                    foreach (string url in sources.Where(IsUrl))
                    {
                        // A remote source is keyed by what it serves now: it is fetched to compare, and kept for the step.
                        string file = await DownloadAsync(ins, url, cancellationToken).ConfigureAwait(false);
                        await using FileStream stream = File.OpenRead(file);
                        byte[] sum = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
                        content += (content.Length > 0 ? "+" : "") + "sha256:" + Convert.ToHexStringLower(sum);
                    }
                }
                string flags = string.Join(' ', ins.FlagList.Select(f => $"--{f.Key}={f.Value}"));
                return ($"{ins.Keyword} {flags} {string.Join(' ', sources)} {dest} {content}", $"/bin/sh -c #(nop) {ins.Keyword} {(ins.Flags.ContainsKey("from") ? "" : "file:")}{content.Replace("sha256:", "", StringComparison.Ordinal)} in {dest} ");
            }
            default:
                return ($"{ins.Original}\n{argText}", $"/bin/sh -c #(nop) {ins.Original}");
        }
    }

    private static (List<string> Sources, string Dest) CopyArguments(Instruction ins, Func<string, string?> lookup)
    {
        List<string> words = ins.ExecForm is { } exec ? exec.Select(w => Words.Expand(w, lookup)).ToList() : Words.Split(ins.Arguments, lookup);
        if (words.Count < 2)
        {
            throw new ContainerfileException($"{ins.Where}: {ins.Keyword} requires at least two arguments");
        }
        return (words[..^1], words[^1]);
    }

    private static string? StageImage(List<Stage> stages, Stage current, string name)
    {
        Stage? s = stages.Take(current.Index).LastOrDefault(x => x.Name == name)
            ?? (int.TryParse(name, NumberStyles.None, CultureInfo.InvariantCulture, out int i) && i < current.Index ? stages[i] : null);
        return s?.ImageId;
    }

    /// <summary>A digest of what COPY sources name in the context: paths, types, modes and contents (not times).</summary>
    internal static string ContentDigest(string contextDir, IReadOnlyList<string> sources, IgnoreFile ignore)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using SourceTree tree = SourceTree.Context(contextDir);
        foreach (string pattern in sources)
        {
            foreach (string source in tree.Expand(pattern))
            {
                using SafeFileHandle h = tree.Open(source);
                string path = "/proc/self/fd/" + h.DangerousGetHandle().ToString(CultureInfo.InvariantCulture);
                HashEntry(hash, ContainerRoot.Relative(source), path, ignore);
            }
        }
        return "sha256:" + Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    private static void HashEntry(IncrementalHash hash, string rel, string path, IgnoreFile ignore)
    {
        if (rel.Length > 0 && ignore.IsExcluded(rel) && !(ignore.HasNegations && Directory.Exists(path)))
        {
            return;
        }
        var info = new FileInfo(path);
        // The proc link is the source itself; its own entries are looked at without following links.
        bool isTop = path.StartsWith("/proc/self/fd/", StringComparison.Ordinal) && !path[14..].Contains('/');
        FileSystemInfo entry = isTop ? (Directory.Exists(path) ? new DirectoryInfo(path) : info) : (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null ? new DirectoryInfo(path) : info);
        hash.AppendData(Encoding.UTF8.GetBytes(rel + "\0"));
        if (!isTop && entry.LinkTarget is { } target)
        {
            hash.AppendData(Encoding.UTF8.GetBytes("L" + target + "\0"));
            return;
        }
        hash.AppendData(Encoding.UTF8.GetBytes(((int)entry.UnixFileMode).ToString(CultureInfo.InvariantCulture) + "\0"));
        if (entry is DirectoryInfo dir)
        {
            foreach (FileSystemInfo child in dir.EnumerateFileSystemInfos().OrderBy(c => c.Name, StringComparer.Ordinal))
            {
                HashEntry(hash, rel.Length == 0 ? child.Name : rel + "/" + child.Name, Path.Combine(path, child.Name), ignore);
            }
            return;
        }
        using FileStream stream = File.OpenRead(path);
        var buffer = new byte[1 << 16];
        int n;
        while ((n = stream.Read(buffer)) > 0)
        {
            hash.AppendData(buffer.AsSpan(0, n));
        }
    }
}
