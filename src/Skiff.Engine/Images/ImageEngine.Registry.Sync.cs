using Skiff.Image;
using Skiff.Registry;
using Skiff.Transports;
using Skiff.Transports.Copy;

namespace Skiff.Engine.Images;

public sealed record SyncOptions
{
    /// <summary>docker or dir.</summary>
    public required string SourceKind { get; init; }

    /// <summary>docker or dir.</summary>
    public required string DestinationKind { get; init; }

    public required string Source { get; init; }
    public required string Destination { get; init; }
    public RegistryAccess SourceAccess { get; init; } = new();
    public RegistryAccess DestinationAccess { get; init; } = new();
    public bool All { get; init; }

    /// <summary>Prefix destination names with the full source reference (skopeo --scoped).</summary>
    public bool Scoped { get; init; }

    public string? Format { get; init; }
    public bool RemoveSignatures { get; init; }
    public IProgress<CopyProgress>? Progress { get; init; }
    public Action<string>? Log { get; init; }
}

public sealed partial class ImageEngine
{
    /// <summary>
    /// skopeo sync: every tag of a repository (or the one named) from a registry into directories, or directories of
    /// images into a registry repository.
    /// </summary>
    public static async Task<int> SyncAsync(SyncOptions options, CancellationToken cancellationToken = default)
    {
        if (options.SourceKind is not ("docker" or "dir") || options.DestinationKind is not ("docker" or "dir"))
        {
            throw new SkiffException("sync supports --src docker|dir and --dest docker|dir");
        }
        if (options.SourceKind == "dir" && options.DestinationKind == "dir")
        {
            throw new SkiffException("sync from 'dir' to 'dir' not implemented, consider using 'cp' instead");
        }
        var pairs = new List<(string Source, string Destination)>();
        using RegistrySession session = OpenSession(options.SourceAccess);
        if (options.SourceKind == "docker")
        {
            Reference reference = Reference.Parse(options.Source);
            IReadOnlyList<string> tags = reference.Tag is { } tag && options.Source.LastIndexOf(':') > options.Source.LastIndexOf('/')
                ? [tag]
                : reference.Digest is not null ? [] : await session.ClientFor(reference.Domain).ListTagsAsync(reference.Path, cancellationToken).ConfigureAwait(false);
            foreach (string t in tags)
            {
                Reference tagged = reference.WithTag(t);
                string suffix = options.Scoped ? tagged.ToString() : $"{reference.Path.Split('/')[^1]}:{t}";
                pairs.Add(($"docker://{tagged}", Target(options, suffix)));
            }
            if (reference.Digest is { } digest)
            {
                string suffix = options.Scoped ? reference.ToString() : $"{reference.Path.Split('/')[^1]}@{digest}";
                pairs.Add(($"docker://{reference}", Target(options, suffix)));
            }
        }
        else
        {
            string root = Path.GetFullPath(options.Source).TrimEnd('/');
            IEnumerable<string> dirs = File.Exists(Path.Combine(root, "manifest.json"))
                ? [root]
                : Directory.EnumerateFiles(root, "manifest.json", SearchOption.AllDirectories).Select(f => Path.GetDirectoryName(f)!).Order(StringComparer.Ordinal);
            foreach (string dir in dirs)
            {
                string name = dir == root ? Path.GetFileName(root) : Path.GetRelativePath(options.Scoped ? root : Path.GetDirectoryName(dir)!, dir);
                if (!name.Contains(':', StringComparison.Ordinal) && !name.Contains('@', StringComparison.Ordinal))
                {
                    name += ":latest";
                }
                pairs.Add(($"dir:{dir}", Target(options, name)));
            }
        }
        if (pairs.Count == 0)
        {
            throw new SkiffException($"no images found to sync in {options.Source}");
        }
        foreach ((string from, string to) in pairs)
        {
            if (options.DestinationKind == "dir")
            {
                Directory.CreateDirectory(to["dir:".Length..]);
            }
            options.Log?.Invoke($"Copying image ref {pairs.IndexOf((from, to)) + 1}/{pairs.Count}");
            await CopyImageAsync(null, new CopyImageOptions
            {
                Source = from,
                Destination = to,
                SourceAccess = options.SourceAccess,
                DestinationAccess = options.DestinationAccess,
                All = options.All,
                Format = options.Format,
                RemoveSignatures = options.RemoveSignatures,
                Progress = options.Progress,
            }, cancellationToken).ConfigureAwait(false);
        }
        return pairs.Count;
    }

    private static string Target(SyncOptions options, string suffix) =>
        options.DestinationKind == "dir"
            ? "dir:" + Path.Combine(options.Destination, suffix)
            : $"docker://{options.Destination.TrimEnd('/')}/{suffix}";
}
