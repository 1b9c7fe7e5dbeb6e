using Microsoft.Win32.SafeHandles;
using Skiff.Build.Containers;
using Skiff.Build.Copy;
using Skiff.Build.Run;

namespace Skiff.Build.Containerfile;

public sealed partial class BuildExecutor
{
    /// <summary>Applies one instruction to the working container; true when it changed files (a layer), false for config only.</summary>
    private async Task<bool> ApplyAsync(Builder builder, Instruction ins, Func<string, string?> lookup, Dictionary<string, string?> args,
        List<Stage> stages, Stage stage, BuildRequest req, bool cmdSetHere, CancellationToken cancellationToken)
    {
        List<string> shell = builder.State.Shell ?? DefaultShell;
        switch (ins.Keyword)
        {
            case "RUN":
            {
                List<string> command = ins.ExecForm is { } exec ? [.. exec]
                    : ins.Heredocs.Count > 0 && ins.Arguments.TrimStart().StartsWith("<<", StringComparison.Ordinal)
                        ? [.. shell, ins.Heredocs[0].Content]
                        : [.. shell, ins.Heredocs.Count > 0 ? ins.Arguments + "\n" + string.Concat(ins.Heredocs.Select(h => h.Content + h.Name + "\n")) : ins.Arguments];
                var env = new List<string>();
                var imageEnv = (builder.ContainerConfig.Env ?? []).Select(e => e.Split('=', 2)[0]).ToHashSet(StringComparer.Ordinal);
                foreach ((string k, string? v) in args)
                {
                    if (v is not null && !imageEnv.Contains(k))
                    {
                        env.Add($"{k}={v}");
                    }
                }
                string? network = ins.Flags.TryGetValue("network", out string? n) && n != "default" ? n : req.Network;
                if (network is not (null or "" or "host" or "none" or "private"))
                {
                    throw new ContainerfileException($"{ins.Where}: RUN --network={network}: only default, host and none are supported");
                }
                var cleanups = new List<Func<Task>>();
                int code;
                try
                {
                    string cwd = builder.ContainerConfig.WorkingDir is { Length: > 0 } w ? w : "/";
                    List<Skiff.Runtime.MountDefinition> mounts = await PrepareMountsAsync(ins, lookup, stages, stage, req, cwd, cleanups, cancellationToken).ConfigureAwait(false);
                    code = await _containers.RunAsync(builder, new RunRequest
                    {
                        Command = command,
                        Env = env,
                        Network = network,
                        Mounts = mounts,
                        RuntimeStateRoot = req.RuntimeStateRoot,
                        Runtime = req.Runtime,
                    }, cancellationToken).ConfigureAwait(false);
                }
                finally
                {
                    for (int k = cleanups.Count - 1; k >= 0; k--)
                    {
                        await cleanups[k]().ConfigureAwait(false);
                    }
                }
                if (code != 0)
                {
                    throw new BuildException($"building at STEP \"{ins.Original}\": while running runtime: exit status {code}");
                }
                return true;
            }
            case "COPY" or "ADD":
            {
                (List<string> sources, string dest) = CopyArguments(ins, lookup);
                if (ins.Keyword == "ADD" && sources.Any(IsUrl))
                {
                    await AddUrlsAsync(builder, ins, lookup, sources, dest, cancellationToken).ConfigureAwait(false);
                    sources = sources.Where(s => !IsUrl(s)).ToList();
                    if (sources.Count == 0)
                    {
                        return true;
                    }
                }
                string? from = ins.Flags.TryGetValue("from", out string? f) ? Words.Expand(f, lookup) : null;
                if (from is not null)
                {
                    from = StageImage(stages, stage, from) ?? from;
                }
                var request = new AddCopyRequest
                {
                    Sources = sources,
                    Destination = dest,
                    ExtractArchives = ins.Keyword == "ADD" && from is null,
                    Chown = ins.Flags.TryGetValue("chown", out string? chown) ? Words.Expand(chown, lookup) : null,
                    Chmod = ins.Flags.TryGetValue("chmod", out string? chmod) ? chmod : null,
                    ContextDir = from is null ? req.ContextDir : null,
                    Ignore = _ignore,
                };
                try
                {
                    await _containers.CopyAsync(builder, request, from, cancellationToken).ConfigureAwait(false);
                }
                catch (BuildException e) when (e is not ContainerfileException)
                {
                    throw new BuildException($"{ins.Where}: {e.Message}", e);
                }
                return true;
            }
            case "WORKDIR":
            {
                string dir = Words.Expand(ins.Arguments, lookup);
                if (!dir.StartsWith('/'))
                {
                    string cwd = builder.ContainerConfig.WorkingDir is { Length: > 0 } w ? w : "/";
                    dir = cwd.TrimEnd('/') + "/" + dir;
                }
                // Only the config changes, as with podman build (Buildah 1.28): the directory appears when a later RUN
                // starts in it (the runtime makes it) or a COPY writes into it (made with the COPY's owner).
                Edit(builder, new ConfigEdit { WorkingDir = dir });
                return false;
            }
            case "ENV":
                Edit(builder, new ConfigEdit { Env = Words.Pairs(ins.Arguments, lookup, "ENV").Select(p => $"{p.Key}={p.Value}").ToList() });
                return false;
            case "LABEL":
                Edit(builder, new ConfigEdit { Labels = Words.Pairs(ins.Arguments, lookup, "LABEL").Select(p => $"{p.Key}={p.Value}").ToList() });
                return false;
            case "EXPOSE":
                Edit(builder, new ConfigEdit { Ports = Words.Split(ins.Arguments, lookup).Select(p => p.Contains('/') ? p.ToLowerInvariant() : p + "/tcp").ToList() });
                return false;
            case "CMD":
                // The shell form is always /bin/sh -c here, whatever SHELL says: podman build (imagebuilder) does so.
                Edit(builder, new ConfigEdit { Cmd = ToJsonArray(ins.ExecForm ?? [.. DefaultShell, ins.Arguments]) });
                return false;
            case "ENTRYPOINT":
                Edit(builder, new ConfigEdit
                {
                    Entrypoint = ToJsonArray(ins.ExecForm ?? [.. DefaultShell, ins.Arguments]),
                    // An ENTRYPOINT resets a CMD inherited from the base image, as Docker does.
                    Cmd = cmdSetHere ? null : "",
                });
                return false;
            case "USER":
                Edit(builder, new ConfigEdit { User = Words.Expand(ins.Arguments, lookup) });
                return false;
            case "VOLUME":
                Edit(builder, new ConfigEdit { Volumes = ins.ExecForm is { } vols ? [.. vols] : Words.Split(ins.Arguments, lookup) });
                return false;
            case "STOPSIGNAL":
                Edit(builder, new ConfigEdit { StopSignal = Words.Expand(ins.Arguments, lookup) });
                return false;
            case "SHELL":
                Edit(builder, new ConfigEdit { Shell = ToJsonArray(ins.ExecForm!) });
                return false;
            case "ONBUILD":
                Edit(builder, new ConfigEdit { OnBuild = [ins.Arguments] });
                return false;
            case "MAINTAINER":
                Edit(builder, new ConfigEdit { Author = ins.Arguments });
                return false;
            case "HEALTHCHECK":
                // Written into docker-format images only, as Buildah does.
                Edit(builder, new ConfigEdit
                {
                    Healthcheck = HealthcheckTest(ins.Arguments),
                    HealthcheckInterval = ins.Flags.GetValueOrDefault("interval"),
                    HealthcheckTimeout = ins.Flags.GetValueOrDefault("timeout"),
                    HealthcheckStartPeriod = ins.Flags.GetValueOrDefault("start-period"),
                    HealthcheckRetries = ins.Flags.TryGetValue("retries", out string? r) && int.TryParse(r, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int retries) ? retries : null,
                });
                return false;
            default:
                throw new ContainerfileException($"{ins.Where}: unknown instruction {ins.Keyword}");
        }
    }

    /// <summary>
    /// ADD of remote files: each URL is downloaded (once per build, see <see cref="DownloadAsync"/>) and copied as a
    /// plain file, never extracted, mode 0600 unless --chmod says otherwise, as Buildah does.
    /// </summary>
    private async Task AddUrlsAsync(Builder builder, Instruction ins, Func<string, string?> lookup, List<string> sources, string dest, CancellationToken cancellationToken)
    {
        foreach (string url in sources.Where(IsUrl))
        {
            string file = await DownloadAsync(ins, url, cancellationToken).ConfigureAwait(false);
            string target = sources.Count > 1 && !dest.EndsWith('/') ? dest + "/" : dest;
            try
            {
                await _containers.CopyAsync(builder, new AddCopyRequest
                {
                    Sources = [Path.GetFileName(file)],
                    Destination = target,
                    Chown = ins.Flags.TryGetValue("chown", out string? chown) ? Words.Expand(chown, lookup) : null,
                    Chmod = ins.Flags.TryGetValue("chmod", out string? chmod) ? chmod : null,
                    ContextDir = Path.GetDirectoryName(file),
                }, null, cancellationToken).ConfigureAwait(false);
            }
            catch (BuildException e) when (e is not ContainerfileException)
            {
                throw new BuildException($"{ins.Where}: {e.Message}", e);
            }
        }
    }

    private static bool IsUrl(string s) => s.StartsWith("http://", StringComparison.Ordinal) || s.StartsWith("https://", StringComparison.Ordinal);

    /// <summary>Downloads a URL into a private temp directory under the name its path ends with; the path of the file.</summary>
    private async Task<string> DownloadAsync(Instruction ins, string url, CancellationToken cancellationToken)
    {
        if (_downloads.TryGetValue(url, out string? done))
        {
            return done;
        }
        string name = Path.GetFileName(new Uri(url).AbsolutePath);
        if (name.Length == 0 || name is "." or "..")
        {
            name = "download";
        }
        string dir = Directory.CreateTempSubdirectory("skiff-add-").FullName;
        _downloadDirs.Add(dir);
        string path = Path.Combine(dir, name);
        try
        {
            _http ??= new System.Net.Http.HttpClient();
            using System.Net.Http.HttpResponseMessage response = await _http.GetAsync(url, System.Net.Http.HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
            if (!response.IsSuccessStatusCode)
            {
                throw new BuildException($"{ins.Where}: reading \"{url}\": invalid response status {(int)response.StatusCode}");
            }
            await using (var output = new FileStream(path, FileMode.CreateNew, FileAccess.Write))
            {
                await response.Content.CopyToAsync(output, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (System.Net.Http.HttpRequestException e)
        {
            throw new BuildException($"{ins.Where}: reading \"{url}\": {e.Message}", e);
        }
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        _downloads[url] = path;
        return path;
    }

    /// <summary>HEALTHCHECK's command: the shell form <c>CMD cmd args</c> runs under a shell (CMD-SHELL), the JSON form as is.</summary>
    private static string HealthcheckTest(string arguments)
    {
        string t = arguments.Trim();
        if (t.StartsWith("CMD", StringComparison.OrdinalIgnoreCase) && t.Length > 3 && char.IsWhiteSpace(t[3]))
        {
            string rest = t[4..].TrimStart();
            return rest.StartsWith('[') ? "CMD " + rest : "CMD-SHELL " + rest;
        }
        return t;
    }

    private static void Edit(Builder builder, ConfigEdit edit) => builder.State = ConfigEditor.Apply(builder.State, edit with { HostEnvironment = _ => null });
}
