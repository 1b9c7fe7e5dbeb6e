using Skiff.Image;
using Skiff.Storage;

namespace Skiff.Engine.Images;

/// <summary>
/// Podman's image commands over the local store: each method is one command's behaviour, taking an
/// options record and returning a report the CLI renders.
/// </summary>
public sealed partial class ImageEngine
{
    private readonly Store _store;
    private readonly TimeProvider _time;

    public ImageEngine(Store store, TimeProvider? time = null)
    {
        _store = store;
        _time = time ?? TimeProvider.System;
    }

    public Store Store => _store;

    /// <summary>The store's event log (podman events): pull, tag, untag and remove are recorded.</summary>
    private Skiff.Runtime.Events.EventLog Events => new(_store.Options.RunRoot, _time);

    /// <summary>Resolves a user-given name or id to an image, or throws ImageNotFoundException with Podman's wording.</summary>
    public ImageRecord Resolve(string nameOrId) =>
        _store.FindImage(nameOrId) ?? throw new ImageNotFoundException($"{nameOrId}: image not known");

    public bool Exists(string nameOrId) => _store.FindImage(nameOrId) is not null;

    public ImageConfig ReadConfig(ImageRecord image) => ImageConfig.Parse(_store.ReadImageConfig(image));

    public async Task TagAsync(string nameOrId, IReadOnlyList<string> newNames, CancellationToken cancellationToken = default)
    {
        ImageRecord image = Resolve(nameOrId);
        var names = newNames.Select(n => Reference.ParseLocal(n).ToString()).ToList();
        await _store.AddImageNamesAsync(image.Id, names, cancellationToken).ConfigureAwait(false);
        foreach (string n in names)
        {
            Events.Image("tag", image.Id, n);
        }
    }

    /// <summary>Removes the given names, or all names when none are given (podman untag).</summary>
    public async Task UntagAsync(string nameOrId, IReadOnlyList<string> names, CancellationToken cancellationToken = default)
    {
        ImageRecord image = Resolve(nameOrId);
        List<string> remove;
        if (names.Count == 0)
        {
            remove = [.. image.Names];
        }
        else
        {
            remove = [];
            foreach (string n in names)
            {
                string full = Reference.ParseLocal(n).ToString();
                string? match = image.Names.FirstOrDefault(x => x == full || x == Reference.Parse(n).TagOrLatest().ToString());
                if (match is null)
                {
                    throw new ImageNotFoundException($"{n}: tag not known");
                }
                remove.Add(match);
            }
        }
        await _store.RemoveImageNamesAsync(image.Id, remove, cancellationToken).ConfigureAwait(false);
        foreach (string n in remove)
        {
            Events.Image("untag", image.Id, n);
        }
    }

    public async Task<RemoveImagesReport> RemoveAsync(RemoveImagesOptions options, CancellationToken cancellationToken = default)
    {
        var untagged = new List<string>();
        var deleted = new List<string>();
        var errors = new List<SkiffException>();
        IEnumerable<string> targets = options.All ? _store.ListImages().Select(i => i.Id).ToList() : options.Names;
        foreach (string target in targets)
        {
            try
            {
                ImageRecord? image = _store.FindImage(target);
                if (image is null)
                {
                    if (!options.Ignore)
                    {
                        errors.Add(new ImageNotFoundException($"{target}: image not known"));
                    }
                    continue;
                }
                // A name that is one of several tags only untags, as in podman.
                string? byName = MatchName(image, target);
                if (!options.All && byName is not null && image.Names.Count > 1 && !options.Force)
                {
                    await _store.RemoveImageNamesAsync(image.Id, [byName], cancellationToken).ConfigureAwait(false);
                    untagged.Add(byName);
                    Events.Image("untag", image.Id, byName);
                    continue;
                }
                DeleteImageResult result = await _store.DeleteImageAsync(image.Id, options.Force, cancellationToken).ConfigureAwait(false);
                untagged.AddRange(result.Untagged);
                deleted.Add(result.ImageId);
                foreach (string n in result.Untagged)
                {
                    Events.Image("untag", result.ImageId, n);
                }
                Events.Image("remove", result.ImageId, image.Names.FirstOrDefault() ?? result.ImageId);
            }
            catch (SkiffException e)
            {
                errors.Add(e);
            }
        }
        return new RemoveImagesReport(untagged, deleted, errors);
    }

    private static string? MatchName(ImageRecord image, string target)
    {
        foreach (string candidate in CandidateNames(target))
        {
            if (image.Names.Contains(candidate))
            {
                return candidate;
            }
        }
        return null;
    }

    private static IEnumerable<string> CandidateNames(string target)
    {
        yield return target;
        if (Reference.TryParse(target, out Reference? hub) && hub is not null)
        {
            yield return hub.TagOrLatest().ToString();
        }
        Reference? local = null;
        try
        {
            local = Reference.ParseLocal(target);
        }
        catch (ReferenceFormatException)
        {
        }
        if (local is not null)
        {
            yield return local.ToString();
        }
    }

    public async Task<PruneReport> PruneAsync(bool all, CancellationToken cancellationToken = default)
    {
        var removed = new List<string>();
        long reclaimed = 0;
        // Removing an image can make no other image dangling, but a container can go away meanwhile: one pass suffices.
        var used = _store.ListContainers().Select(c => c.ImageId).Where(i => i is not null).ToHashSet();
        foreach (ImageRecord image in _store.ListImages())
        {
            if ((all || image.IsDangling) && !used.Contains(image.Id))
            {
                try
                {
                    await _store.DeleteImageAsync(image.Id, false, cancellationToken).ConfigureAwait(false);
                    removed.Add(image.Id);
                    reclaimed += image.Size;
                }
                catch (ImageInUseException)
                {
                }
            }
        }
        return new PruneReport(removed, reclaimed);
    }
}
