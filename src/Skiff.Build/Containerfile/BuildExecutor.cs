using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Skiff.Build.Containers;
using Skiff.Build.Copy;
using Skiff.Build.Run;
using Skiff.Image;
using Skiff.Storage;

namespace Skiff.Build.Containerfile;

/// <summary>
/// Runs a Containerfile on working containers: stages in order, each instruction applied to a working container
/// and (with layers) committed as an image that later builds reuse when parent, instruction and content match.
/// </summary>
public sealed partial class BuildExecutor
{
    private readonly WorkingContainers _containers;
    private readonly Store _store;
    private readonly BuildCache _cache;
    private IgnoreFile _ignore = IgnoreFile.Empty;
    private readonly Dictionary<string, string> _downloads = new(StringComparer.Ordinal);
    private readonly List<string> _downloadDirs = [];
    private System.Net.Http.HttpClient? _http;

    public BuildExecutor(WorkingContainers containers)
    {
        ArgumentNullException.ThrowIfNull(containers);
        _containers = containers;
        _store = containers.Store;
        _cache = new BuildCache(Path.Combine(_store.Options.GraphRoot, "skiff-build-cache"));
    }

    private sealed class Stage
    {
        public required int Index { get; init; }
        public string? Name { get; init; }
        public required Instruction From { get; init; }
        public List<Instruction> Body { get; } = [];
        public string? ImageId { get; set; }
    }

    public async Task<BuildResult> BuildAsync(BuildRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            return await BuildCoreAsync(request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            foreach (string dir in _downloadDirs)
            {
                await DeleteTree(dir).ConfigureAwait(false);
            }
            _downloadDirs.Clear();
            _downloads.Clear();
            _http?.Dispose();
            _http = null;
        }
    }

    private async Task<BuildResult> BuildCoreAsync(BuildRequest request, CancellationToken cancellationToken)
    {
        if (!Directory.Exists(request.ContextDir))
        {
            throw new BuildException($"context directory \"{request.ContextDir}\" does not exist");
        }
        IReadOnlyList<Instruction> instructions = Parser.Parse(request.ContainerfileText, request.ContainerfileName);
        _ignore = IgnoreFile.Load(request.ContextDir, request.IgnoreFile);
        var globalArgs = new Dictionary<string, string?>(StringComparer.Ordinal);
        var stages = new List<Stage>();
        foreach (Instruction ins in instructions)
        {
            if (ins.Keyword == "FROM")
            {
                List<string> words = Words.Split(ins.Arguments, n => Lookup(globalArgs, request, n));
                string? name = words.Count == 3 && words[1].Equals("AS", StringComparison.OrdinalIgnoreCase) ? words[2] : null;
                if (words.Count is not (1 or 3) || (words.Count == 3 && name is null))
                {
                    throw new ContainerfileException($"{ins.Where}: FROM requires either one or three arguments");
                }
                stages.Add(new Stage { Index = stages.Count, Name = name, From = ins });
            }
            else if (stages.Count == 0)
            {
                if (ins.Keyword != "ARG")
                {
                    throw new ContainerfileException($"{ins.Where}: no FROM before {ins.Keyword}: a Containerfile starts with FROM (ARG may come before it)");
                }
                foreach ((string k, string v) in Words.Pairs(ins.Arguments, n => Lookup(globalArgs, request, n), "ARG"))
                {
                    globalArgs[k] = request.BuildArgs.TryGetValue(k, out string? given) ? given : v == "\0" ? null : v;
                }
            }
            else
            {
                stages[^1].Body.Add(ins);
            }
        }
        if (stages.Count == 0)
        {
            throw new ContainerfileException($"{request.ContainerfileName}: no FROM instruction");
        }
        int last = stages.Count - 1;
        if (request.Target is { Length: > 0 } target)
        {
            last = stages.FindIndex(s => s.Name == target);
            if (last < 0)
            {
                throw new BuildException($"the target \"{target}\" was not found in the provided Containerfile");
            }
        }

        int total = stages.Take(last + 1).Sum(s => 1 + s.Body.Count);
        var run = new RunState(request, total);
        for (int i = 0; i <= last; i++)
        {
            await BuildStageAsync(stages, stages[i], globalArgs, run, i == last, cancellationToken).ConfigureAwait(false);
        }
        string imageId = stages[last].ImageId!;

        if (request.Squash || request.Labels.Count > 0)
        {
            imageId = await FinishAsync(imageId, request, cancellationToken).ConfigureAwait(false);
        }
        TextWriter? output = request.Quiet ? null : request.Output;
        string first = request.Tags.Count > 0 ? Reference.ParseLocal(request.Tags[0]).ToString() : "";
        output?.WriteLine(first.Length > 0 ? $"COMMIT {first}" : "COMMIT");
        if (request.Tags.Count > 0)
        {
            var names = request.Tags.Select(t => Reference.ParseLocal(t).ToString()).Distinct().ToList();
            await _store.AddImageNamesAsync(imageId, names, cancellationToken).ConfigureAwait(false);
            output?.WriteLine($"--> {imageId[..11]}");
            foreach (string n in names)
            {
                output?.WriteLine($"Successfully tagged {n}");
            }
        }
        else
        {
            output?.WriteLine($"--> {imageId[..11]}");
        }
        return new BuildResult(imageId);
    }

    private static string? Lookup(Dictionary<string, string?> args, BuildRequest request, string name) =>
        args.TryGetValue(name, out string? v) ? v : null;

    private sealed class RunState(BuildRequest request, int total)
    {
        public BuildRequest Request { get; } = request;
        public int Total { get; } = total;
        public int Step { get; set; }
        public TextWriter? Output => Request.Quiet ? null : Request.Output;
    }

    /// <summary>Squash and --label on the final image: one more commit of a container of it.</summary>
    private async Task<string> FinishAsync(string imageId, BuildRequest request, CancellationToken cancellationToken)
    {
        Builder b = await _containers.FromAsync(new FromRequest { Image = imageId, Name = "skiff-build-" + Guid.NewGuid().ToString("N")[..12] }, cancellationToken).ConfigureAwait(false);
        try
        {
            if (request.Labels.Count > 0)
            {
                b.State = ConfigEditor.Apply(b.State, new ConfigEdit { Labels = request.Labels });
            }
            CommitResult r = await _containers.CommitAsync(b, new CommitRequest
            {
                Format = request.Format,
                Squash = request.Squash,
                EmptyLayer = !request.Squash,
                CreatedBy = "/bin/sh -c #(nop) LABEL " + string.Join(' ', request.Labels),
            }, cancellationToken).ConfigureAwait(false);
            return r.ImageId;
        }
        finally
        {
            await _containers.DeleteAsync(b, CancellationToken.None).ConfigureAwait(false);
        }
    }

    internal static string Hash(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    internal static string ToJsonArray(IEnumerable<string> items) => JsonSerializer.Serialize(items.ToList(), BuildJsonContext.Default.ListString);
}

/// <summary>
/// The layer cache: cache key (hash of parent image, instruction and content) to the image that step made, one
/// small file per key written atomically, so concurrent builds share it without a lock.
/// </summary>
internal sealed class BuildCache(string directory)
{
    public string? Find(string key)
    {
        try
        {
            return File.ReadAllText(Path.Combine(directory, key)).Trim();
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    public void Record(string key, string imageId)
    {
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, "." + key + "." + Guid.NewGuid().ToString("N"));
        File.WriteAllText(temp, imageId);
        File.Move(temp, Path.Combine(directory, key), overwrite: true);
    }
}
