using System.Text;
using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage;

public sealed partial class Store
{
    /// <summary>By full name (as given or normalised with Reference.ParseLocal / Parse), full id, id prefix (unique, >= 3 chars) or "sha256:id".</summary>
    public ImageRecord? FindImage(string nameOrId)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        return Read(s => FindImage(s, nameOrId) is { } found ? Detached(found) : null);
    }

    private static ImageRecord? FindImage(Indexes s, string value)
    {
        if (value.Length == 0)
        {
            return null;
        }
        string id = value.StartsWith("sha256:", StringComparison.Ordinal) ? value["sha256:".Length..] : value;
        if (s.Images.Find(i => i.Id == id) is { } byId)
        {
            return byId;
        }
        if (s.Images.Find(i => i.Names.Contains(value)) is { } byName)
        {
            return byName;
        }
        foreach (string candidate in NormalisedNames(value))
        {
            if (s.Images.Find(i => i.Names.Contains(candidate) || i.RepoDigests.Contains(candidate)) is { } found)
            {
                return found;
            }
        }
        if (FindByShortName(s, value) is { } byShortName)
        {
            return byShortName;
        }
        if (id.Length >= 3 && id.Length < 64 && id.All(char.IsAsciiHexDigitLower))
        {
            List<ImageRecord> matches = s.Images.FindAll(i => i.Id.StartsWith(id, StringComparison.Ordinal));
            if (matches.Count > 1)
            {
                throw new StorageException($"image id prefix \"{id}\" is ambiguous: it matches {matches.Count} images");
            }
            if (matches.Count == 1)
            {
                return matches[0];
            }
        }
        return null;
    }

    /// <summary>
    /// Podman's last resort for a short name: any image whose repository path is NAME or ends in /NAME, with the
    /// tag asked for (latest by default), e.g. "bar" finds quay.io/foo/bar:latest. The newest wins.
    /// </summary>
    private static ImageRecord? FindByShortName(Indexes s, string value)
    {
        if (!Reference.IsShortName(value) || value.Contains('@'))
        {
            return null;
        }
        Reference wanted;
        try
        {
            wanted = Reference.ParseLocal(value);
        }
        catch (ReferenceFormatException)
        {
            return null;
        }
        string suffix = "/" + wanted.Path;
        ImageRecord? best = null;
        foreach (ImageRecord image in s.Images)
        {
            foreach (string name in image.Names)
            {
                if (Reference.TryParse(name, out Reference? have) && have is not null && have.Tag == wanted.Tag
                    && (have.Path == wanted.Path || have.Path.EndsWith(suffix, StringComparison.Ordinal))
                    && (best is null || image.Created > best.Created))
                {
                    best = image;
                }
            }
        }
        return best;
    }

    /// <summary>The forms a user's name may be stored under: localhost/NAME:latest, docker.io/library/NAME:latest, or NAME@DIGEST.</summary>
    private static IEnumerable<string> NormalisedNames(string value)
    {
        var result = new List<string>(2);
        try
        {
            result.Add(Reference.ParseLocal(value).ToString());
        }
        catch (ReferenceFormatException)
        {
        }
        try
        {
            result.Add(Reference.Parse(value).TagOrLatest().ToString());
        }
        catch (ReferenceFormatException)
        {
        }
        return result.Distinct(StringComparer.Ordinal);
    }

    /// <summary>Stores config and manifest and the image record; if the id exists, the names are added to it.
    /// Names given move away from other images (which may become dangling).</summary>
    public Task<ImageRecord> PutImageAsync(NewImage image, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(image);
        cancellationToken.ThrowIfCancellationRequested();
        Digest configDigest = Digest.Compute(image.ConfigBytes);
        string id = configDigest.Hex;
        Digest manifestDigest = image.Manifest.Digest;
        DateTimeOffset created = ReadCreated(image.ConfigBytes) ?? DateTimeOffset.UtcNow;

        ImageRecord record = Write(tx =>
        {
            Indexes s = tx.State;
            List<LayerRecord> chain = LayerChain(s, image.TopLayer);
            int index = s.Images.FindIndex(i => i.Id == id);
            ImageRecord current;
            if (index >= 0)
            {
                current = s.Images[index];
                if (current.ManifestDigest != manifestDigest && !File.Exists(_paths.ImageManifest(id, manifestDigest)))
                {
                    FileSystem.WriteAtomic(_paths.ImageManifest(id, manifestDigest), image.Manifest.Bytes);
                    FileSystem.WriteAtomic(_paths.ImageManifestType(id, manifestDigest), Encoding.UTF8.GetBytes(image.Manifest.MediaType));
                }
            }
            else
            {
                string dir = _paths.ImageDir(id);
                Directory.CreateDirectory(dir);
                FileSystem.WriteAtomic(_paths.ImageConfig(id), image.ConfigBytes);
                FileSystem.WriteAtomic(_paths.ImageManifest(id), image.Manifest.Bytes);
                FileSystem.WriteAtomic(_paths.ImageManifestType(id), Encoding.UTF8.GetBytes(image.Manifest.MediaType));
                current = new ImageRecord
                {
                    Id = id,
                    ConfigDigest = configDigest,
                    ManifestDigest = manifestDigest,
                    TopLayer = image.TopLayer,
                    Created = created,
                    Size = chain.Sum(l => l.UncompressedSize) + image.ConfigBytes.Length,
                };
                s.Images.Add(current);
                index = s.Images.Count - 1;
            }
            var repoDigests = new List<string>(current.RepoDigests);
            foreach (string repoDigest in image.RepoDigests)
            {
                if (!repoDigests.Contains(repoDigest))
                {
                    repoDigests.Add(repoDigest);
                }
            }
            s.Images[index] = current with { RepoDigests = repoDigests };
            return AddNames(s, id, image.Names, manifestDigest);
        });
        return Task.FromResult(Detached(record));
    }

    private static DateTimeOffset? ReadCreated(byte[] config)
    {
        try
        {
            using var doc = JsonDocument.Parse(config);
            if (doc.RootElement.ValueKind == JsonValueKind.Object
                && doc.RootElement.TryGetProperty("created", out JsonElement c)
                && c.ValueKind == JsonValueKind.String
                && c.TryGetDateTimeOffset(out DateTimeOffset value))
            {
                return value;
            }
        }
        catch (JsonException)
        {
        }
        return null;
    }

    public byte[] ReadImageConfig(ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            return File.ReadAllBytes(_paths.ImageConfig(image.Id));
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageNotFoundException($"image {image.Id}: config not found in the store");
        }
    }

    public ManifestBlob ReadImageManifest(ImageRecord image)
    {
        ArgumentNullException.ThrowIfNull(image);
        try
        {
            byte[] bytes = File.ReadAllBytes(_paths.ImageManifest(image.Id));
            string mediaType = File.Exists(_paths.ImageManifestType(image.Id))
                ? File.ReadAllText(_paths.ImageManifestType(image.Id)).Trim()
                : MediaTypes.OciManifest;
            return new ManifestBlob(bytes, mediaType);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageNotFoundException($"image {image.Id}: manifest not found in the store");
        }
    }

    /// <summary>The image's manifest with <paramref name="digest"/>: the primary one or another stored for the same config.</summary>
    public ManifestBlob ReadImageManifest(ImageRecord image, Digest digest)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (digest == image.ManifestDigest)
        {
            return ReadImageManifest(image);
        }
        try
        {
            byte[] bytes = File.ReadAllBytes(_paths.ImageManifest(image.Id, digest));
            string mediaType = File.ReadAllText(_paths.ImageManifestType(image.Id, digest)).Trim();
            return new ManifestBlob(bytes, mediaType);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ImageNotFoundException($"image {image.Id}: no manifest {digest} in the store");
        }
    }

    public Task AddImageNamesAsync(string imageId, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        cancellationToken.ThrowIfCancellationRequested();
        string[] list = names.ToArray();
        Write(tx =>
        {
            ImageRecord image = FindImage(tx.State, imageId) ?? throw NotFound(imageId);
            return AddNames(tx.State, image.Id, list, image.ManifestDigest);
        });
        return Task.CompletedTask;
    }

    public Task RemoveImageNamesAsync(string imageId, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        cancellationToken.ThrowIfCancellationRequested();
        var remove = names.ToHashSet(StringComparer.Ordinal);
        Write(tx =>
        {
            Indexes s = tx.State;
            ImageRecord image = FindImage(s, imageId) ?? throw NotFound(imageId);
            int index = s.Images.IndexOf(image);
            s.Images[index] = image with { Names = image.Names.Where(n => !remove.Contains(n)).ToList() };
            return 0;
        });
        return Task.CompletedTask;
    }

    /// <summary>Puts <paramref name="names"/> first on the image (most recent first), taking them from any other image.</summary>
    private static ImageRecord AddNames(Indexes s, string id, IReadOnlyList<string> names, Digest manifestDigest)
    {
        if (names.Count == 0)
        {
            return s.Images.Find(i => i.Id == id)!;
        }
        var added = new HashSet<string>(names, StringComparer.Ordinal);
        for (int i = 0; i < s.Images.Count; i++)
        {
            ImageRecord other = s.Images[i];
            if (other.Id != id && other.Names.Exists(added.Contains))
            {
                s.Images[i] = other with { Names = other.Names.Where(n => !added.Contains(n)).ToList() };
            }
        }
        int index = s.Images.FindIndex(i => i.Id == id);
        ImageRecord image = s.Images[index];
        var newNames = names.Distinct(StringComparer.Ordinal).Concat(image.Names.Where(n => !added.Contains(n))).ToList();
        var repoDigests = new List<string>(image.RepoDigests);
        foreach (string name in names)
        {
            // Podman shows NAME@MANIFEST-DIGEST for every name an image is known under.
            if (Reference.TryParse(name, out Reference? reference) && reference is not null)
            {
                string repoDigest = $"{reference.Name}@{manifestDigest}";
                if (!repoDigests.Contains(repoDigest))
                {
                    repoDigests.Add(repoDigest);
                }
            }
        }
        ImageRecord updated = image with { Names = newNames, RepoDigests = repoDigests };
        s.Images[index] = updated;
        return updated;
    }

    /// <summary>Deletes the image and its layers no other image or container uses. Throws ImageInUseException when a
    /// container uses it, unless <paramref name="force"/> (then those containers are deleted too).</summary>
    public Task<DeleteImageResult> DeleteImageAsync(string imageId, bool force = false, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var unmount = new List<string>();
        DeleteImageResult result = Write(tx =>
        {
            Indexes s = tx.State;
            ImageRecord image = FindImage(s, imageId) ?? throw NotFound(imageId);
            List<ContainerRecord> users = s.Containers.FindAll(c => c.ImageId == image.Id);
            if (users.Count > 0 && !force)
            {
                throw new ImageInUseException(
                    $"image used by {users[0].Id}: image is in use by a container: consider listing external containers and force-removing image");
            }
            foreach (ContainerRecord container in users)
            {
                RemoveContainer(tx, container);
            }
            s.Images.Remove(image);
            tx.RemoveAfterCommit(_paths.ImageDir(image.Id));
            List<string> removedLayers = RemoveUnusedLayers(tx, image.TopLayer, _paths);
            return new DeleteImageResult(image.Id, image.Names.ToArray(), removedLayers);
        });
        return Task.FromResult(result);
    }

    private static ImageNotFoundException NotFound(string nameOrId) =>
        new($"{nameOrId}: image not known");
}
