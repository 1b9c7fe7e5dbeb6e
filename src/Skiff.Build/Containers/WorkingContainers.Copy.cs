using Skiff.Build.Copy;
using Skiff.Storage;

namespace Skiff.Build.Containers;

public sealed partial class WorkingContainers
{
    /// <summary>
    /// buildah copy/add: copies into the container's root. <paramref name="from"/> names another working
    /// container or an image whose files are the sources (resolved inside that root).
    /// </summary>
    public async Task CopyAsync(Builder builder, AddCopyRequest request, string? from = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(request);
        string workingDir = builder.ContainerConfig.WorkingDir is { Length: > 0 } wd ? wd : "/";
        request = request with { WorkingDir = workingDir };
        string root = await MountAsync(builder, cancellationToken).ConfigureAwait(false);
        try
        {
            if (from is null)
            {
                await ContainerCopier.CopyAsync(root, request, cancellationToken).ConfigureAwait(false);
                return;
            }
            await WithSourceRootAsync(from, sourceRoot =>
                ContainerCopier.CopyAsync(root, request with { SourceRoot = sourceRoot, ContextDir = null }, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _store.UnmountContainerAsync(builder.Id, force: false, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>Mounts a container (or, for an image, a temporary container of it) for the duration of <paramref name="action"/>.</summary>
    private async Task WithSourceRootAsync(string from, Func<string, Task> action, CancellationToken cancellationToken)
    {
        if (_store.FindContainer(from) is { } container)
        {
            string path = await _store.MountContainerAsync(container.Id, cancellationToken).ConfigureAwait(false);
            try
            {
                await action(path).ConfigureAwait(false);
            }
            finally
            {
                await _store.UnmountContainerAsync(container.Id, force: false, CancellationToken.None).ConfigureAwait(false);
            }
            return;
        }
        ImageRecord image = _store.FindImage(from)
            ?? throw new BuildException($"--from \"{from}\": no container or image of that name in local storage");
        ContainerRecord temp = await _store.CreateContainerAsync(image.Id, null, null, cancellationToken).ConfigureAwait(false);
        try
        {
            string path = await _store.MountContainerAsync(temp.Id, cancellationToken).ConfigureAwait(false);
            await action(path).ConfigureAwait(false);
        }
        finally
        {
            await _store.DeleteContainerAsync(temp.Id, CancellationToken.None).ConfigureAwait(false);
        }
    }

    /// <summary>buildah config: applies the edit and saves the state.</summary>
    public async Task ConfigureAsync(Builder builder, ConfigEdit edit, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.State = ConfigEditor.Apply(builder.State, edit);
        await SaveAsync(builder, cancellationToken).ConfigureAwait(false);
    }
}
