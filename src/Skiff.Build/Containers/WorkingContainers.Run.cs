using Skiff.Build.Run;

namespace Skiff.Build.Containers;

public sealed partial class WorkingContainers
{
    /// <summary>buildah run: the command's exit code.</summary>
    public async Task<int> RunAsync(Builder builder, RunRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(builder);
        string root = await MountAsync(builder, cancellationToken).ConfigureAwait(false);
        try
        {
            return await BuildRunner.RunAsync(builder.Id, root, builder.ContainerConfig, request, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await _store.UnmountContainerAsync(builder.Id, force: false, CancellationToken.None).ConfigureAwait(false);
        }
    }
}
