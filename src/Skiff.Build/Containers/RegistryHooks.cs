using Skiff.Image;
using Skiff.Transports.Copy;

namespace Skiff.Build.Containers;

/// <summary>
/// Registry access the builder borrows from the engine (Skiff.Build does not reference the registry client):
/// pulling a name into the store, and pushing a stored image to <c>docker://</c>.
/// </summary>
public sealed record RegistryHooks
{
    /// <summary>Pulls a registry name (short names through registries.conf, or docker://...) and returns the image id.</summary>
    public required Func<string, IProgress<CopyProgress>?, CancellationToken, Task<string>> PullAsync { get; init; }

    /// <summary>Pushes the stored image (id) to a destination (docker://... ) in a format (oci, docker); returns the manifest digest.</summary>
    public required Func<string, string, string, IProgress<CopyProgress>?, CancellationToken, Task<Digest>> PushAsync { get; init; }
}
