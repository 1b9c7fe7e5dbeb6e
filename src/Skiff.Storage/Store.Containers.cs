using Skiff.Archive;

namespace Skiff.Storage;

public sealed partial class Store
{
    public ContainerRecord? FindContainer(string nameOrId)
    {
        ArgumentNullException.ThrowIfNull(nameOrId);
        return Read(s => FindContainer(s, nameOrId) is { } found ? Detached(found) : null);
    }

    private static ContainerRecord? FindContainer(Indexes s, string value)
    {
        if (value.Length == 0)
        {
            return null;
        }
        if (s.Containers.Find(c => c.Id == value) is { } byId)
        {
            return byId;
        }
        if (s.Containers.Find(c => c.Names.Contains(value)) is { } byName)
        {
            return byName;
        }
        if (value.Length < 64 && value.All(char.IsAsciiHexDigitLower))
        {
            List<ContainerRecord> matches = s.Containers.FindAll(c => c.Id.StartsWith(value, StringComparison.Ordinal));
            if (matches.Count > 1)
            {
                throw new StorageException($"container id prefix \"{value}\" is ambiguous: it matches {matches.Count} containers");
            }
            return matches.Count == 1 ? matches[0] : null;
        }
        return null;
    }

    /// <summary>Creates a container record with a new read-write layer over the image's top layer.</summary>
    public async Task<ContainerRecord> CreateContainerAsync(string? imageId, string? name, string? metadata, CancellationToken cancellationToken = default)
    {
        ImageRecord? image = null;
        if (imageId is not null)
        {
            image = FindImage(imageId) ?? throw NotFound(imageId);
        }
        if (!string.IsNullOrEmpty(name))
        {
            Read(s => { CheckNameFree(s, name); return 0; });
        }

        string id = FileSystem.RandomId();
        string layerId = FileSystem.RandomId();
        using var staging = new StagingDirectory(_paths.Tmp);
        string layerDir = Path.Combine(staging.Path, "layer");
        string diff = Path.Combine(layerDir, "diff");
        Directory.CreateDirectory(layerDir);
        if (_paths.Driver == "vfs" && image?.TopLayer is { } top)
        {
            try
            {
                await FileSystem.CopyTreeAsync(_paths.LayerDiff(top), diff, cancellationToken).ConfigureAwait(false);
            }
            catch (StorageException) when (FindImage(image.Id) is null)
            {
                throw NotFound(image.Id);
            }
        }
        else
        {
            Directory.CreateDirectory(diff);
        }
        if (_paths.Driver == "overlay")
        {
            Directory.CreateDirectory(Path.Combine(layerDir, "work"));
            Directory.CreateDirectory(Path.Combine(layerDir, "merged"));
        }

        return Write(tx =>
        {
            Indexes s = tx.State;
            if (image is not null && !s.Images.Exists(i => i.Id == image.Id))
            {
                throw NotFound(image.Id);
            }
            if (!string.IsNullOrEmpty(name))
            {
                CheckNameFree(s, name);
            }
            MoveIntoPlace(layerDir, _paths.LayerDir(layerId));
            CrashPoint?.Invoke("moved");
            Directory.CreateDirectory(GetContainerDirectory(id));
            Directory.CreateDirectory(GetContainerRunDirectory(id));
            Skiff.Interop.FileSync.SyncDirectory(_paths.LayersDir);
            var record = new ContainerRecord
            {
                Id = id,
                Names = string.IsNullOrEmpty(name) ? [] : [name],
                ImageId = image?.Id,
                LayerId = layerId,
                Created = DateTimeOffset.UtcNow,
                Metadata = metadata,
            };
            s.Containers.Add(record);
            return Detached(record);
        });
    }

    /// <summary>
    /// Writes what the container changed relative to its image as a layer tar (deletions as whiteouts), for commit.
    /// Unmounting first is not required, but writes racing with it may or may not be included.
    /// </summary>
    public async Task<LayerWriteResult> WriteContainerDiffAsync(string id, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(options);
        (ContainerRecord container, string? top) = Read(s =>
        {
            ContainerRecord c = FindContainer(s, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            return (c, c.ImageId is null ? null : s.Images.Find(i => i.Id == c.ImageId)?.TopLayer);
        });
        string diff = _paths.LayerDiff(container.LayerId);
        if (_paths.Driver == "overlay")
        {
            // The upper directory is exactly the change set, with deletions as overlay whiteouts.
            return await LayerWriter.WriteDirectoryAsync(diff, output, options, cancellationToken).ConfigureAwait(false);
        }
        if (top is not null)
        {
            return await LayerWriter.WriteDiffAsync(_paths.LayerDiff(top), diff, output, options, cancellationToken).ConfigureAwait(false);
        }
        using var empty = new StagingDirectory(_paths.Tmp);
        return await LayerWriter.WriteDiffAsync(empty.Path, diff, output, options, cancellationToken).ConfigureAwait(false);
    }

    private static void CheckNameFree(Indexes s, string name)
    {
        if (s.Containers.Find(c => c.Names.Contains(name)) is { } holder)
        {
            throw new NameInUseException(
                $"the container name \"{name}\" is already in use by {holder.Id}. You have to remove that container to be able to reuse that name: that name is already in use");
        }
    }

    public Task DeleteContainerAsync(string id, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(tx =>
        {
            ContainerRecord container = FindContainer(tx.State, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            RemoveContainer(tx, container);
            return 0;
        });
        return Task.CompletedTask;
    }

    /// <summary>Unmounts the container's layer and drops it from the indexes; its directories go after the commit.</summary>
    private void RemoveContainer(Transaction tx, ContainerRecord container)
    {
        UnmountLayer(container.LayerId, force: true);
        tx.State.Containers.Remove(container);
        tx.RemoveAfterCommit(_paths.LayerDir(container.LayerId));
        tx.RemoveAfterCommit(_paths.ContainerDir(container.Id));
        tx.RemoveAfterCommit(_paths.RunContainerDir(container.Id));
        tx.RemoveAfterCommit(_paths.MountCount(container.LayerId));
    }

    /// <summary>Replaces the container's names (podman rename); a name held by another container is refused.</summary>
    public Task SetContainerNamesAsync(string id, IEnumerable<string> names, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(names);
        cancellationToken.ThrowIfCancellationRequested();
        List<string> list = names.Distinct(StringComparer.Ordinal).ToList();
        Write(tx =>
        {
            ContainerRecord container = FindContainer(tx.State, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            foreach (string name in list)
            {
                if (tx.State.Containers.Find(c => c.Id != container.Id && c.Names.Contains(name)) is { } holder)
                {
                    throw new NameInUseException(
                        $"the container name \"{name}\" is already in use by {holder.Id}. You have to remove that container to be able to reuse that name: that name is already in use");
                }
            }
            int index = tx.State.Containers.IndexOf(container);
            tx.State.Containers[index] = container with { Names = list };
            return 0;
        });
        return Task.CompletedTask;
    }

    public Task SetContainerMetadataAsync(string id, string? metadata, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Write(tx =>
        {
            ContainerRecord container = FindContainer(tx.State, id)
                ?? throw new ContainerNotFoundException($"no container with name or ID \"{id}\" found: no such container");
            int index = tx.State.Containers.IndexOf(container);
            tx.State.Containers[index] = container with { Metadata = metadata };
            return 0;
        });
        return Task.CompletedTask;
    }
}
