using System.Text.RegularExpressions;
using Skiff.Image;
using Skiff.Storage;

namespace Skiff.Engine.Images;

public sealed partial class ImageEngine
{
    /// <summary>podman images: one row per name (or one &lt;none&gt; row), newest first.</summary>
    public IReadOnlyList<ImageSummary> List(ImageListOptions options)
    {
        IReadOnlyList<ImageRecord> images = _store.ListImages();
        var filters = options.Filters.Select(ImageFilter.Parse).ToList();
        var containers = _store.ListContainers().GroupBy(c => c.ImageId ?? "").ToDictionary(g => g.Key, g => g.Count());
        var rows = new List<ImageSummary>();
        foreach (ImageRecord image in images.OrderByDescending(i => i.Created))
        {
            if (!filters.All(f => f.Matches(image, this)))
            {
                continue;
            }
            var repoDigests = RepoDigestsOf(image);
            IEnumerable<(string Repo, string Tag)> names = image.Names.Count == 0
                ? [("<none>", "<none>")]
                : image.Names.Select(SplitName);
            foreach ((string repo, string tag) in names)
            {
                rows.Add(new ImageSummary
                {
                    Id = image.Id,
                    Repository = repo,
                    Tag = tag,
                    Digest = image.ManifestDigest,
                    Created = image.Created,
                    Size = image.Size,
                    Dangling = image.IsDangling,
                    Names = image.Names,
                    RepoDigests = repoDigests,
                    Containers = containers.GetValueOrDefault(image.Id),
                });
            }
        }
        return rows;
    }

    /// <summary>"name@digest" per repository the image is named in, plus those recorded at pull time.</summary>
    public static List<string> RepoDigestsOf(ImageRecord image)
    {
        var result = new List<string>();
        foreach (string name in image.Names)
        {
            (string repo, _) = SplitName(name);
            string rd = $"{repo}@{image.ManifestDigest}";
            if (!result.Contains(rd))
            {
                result.Add(rd);
            }
        }
        foreach (string rd in image.RepoDigests)
        {
            if (!result.Contains(rd))
            {
                result.Add(rd);
            }
        }
        return result;
    }

    /// <summary>Splits "domain/path:tag" at the tag's colon (not a port's).</summary>
    public static (string Repository, string Tag) SplitName(string name)
    {
        int at = name.IndexOf('@');
        if (at >= 0)
        {
            return (name[..at], "<none>");
        }
        int colon = name.LastIndexOf(':');
        return colon > name.LastIndexOf('/') ? (name[..colon], name[(colon + 1)..]) : (name, "<none>");
    }
}

/// <summary>One <c>--filter key=value</c> of podman images.</summary>
internal sealed record ImageFilter(string Key, string Value)
{
    public static ImageFilter Parse(string filter)
    {
        int eq = filter.IndexOf('=');
        if (eq <= 0)
        {
            throw new SkiffException($"invalid image filter \"{filter}\": expected KEY=VALUE");
        }
        string key = filter[..eq];
        if (key is not ("reference" or "dangling" or "label" or "id" or "before" or "since" or "readonly" or "intermediate"))
        {
            throw new SkiffException($"unsupported image filter \"{key}\"");
        }
        return new ImageFilter(key, filter[(eq + 1)..]);
    }

    public bool Matches(ImageRecord image, ImageEngine engine) => Key switch
    {
        "reference" => image.Names.Any(MatchesReference),
        "dangling" => image.IsDangling == ParseBool(Value),
        "id" => image.Id.StartsWith(Value.Replace("sha256:", ""), StringComparison.Ordinal),
        "label" => MatchesLabel(engine.ReadConfig(image).Config?.Labels),
        "before" => engine.Resolve(Value).Created > image.Created,
        "since" => engine.Resolve(Value).Created < image.Created,
        "readonly" => !ParseBool(Value),
        "intermediate" => !ParseBool(Value),
        _ => false,
    };

    private bool ParseBool(string v) => v.ToLowerInvariant() switch
    {
        "true" or "1" => true,
        "false" or "0" => false,
        _ => throw new SkiffException($"invalid value \"{v}\" for filter {Key}: expected true or false"),
    };

    /// <summary>Glob match against the full name and its shorter forms (without domain, without tag).</summary>
    private bool MatchesReference(string name)
    {
        (string repo, string tag) = ImageEngine.SplitName(name);
        int slash = repo.IndexOf('/');
        string path = slash >= 0 ? repo[(slash + 1)..] : repo;
        string last = repo[(repo.LastIndexOf('/') + 1)..];
        bool patternHasTag = Value.LastIndexOf(':') > Value.LastIndexOf('/');
        string[] candidates = patternHasTag
            ? [name, $"{path}:{tag}", $"{last}:{tag}"]
            : [repo, path, last];
        var regex = new Regex("^" + Regex.Escape(Value).Replace("\\*", "[^/]*").Replace("\\?", "[^/]") + "$", RegexOptions.CultureInvariant);
        return candidates.Any(regex.IsMatch);
    }

    private bool MatchesLabel(Dictionary<string, string>? labels)
    {
        if (labels is null)
        {
            return false;
        }
        int eq = Value.IndexOf('=');
        return eq < 0 ? labels.ContainsKey(Value) : labels.TryGetValue(Value[..eq], out string? v) && v == Value[(eq + 1)..];
    }
}
