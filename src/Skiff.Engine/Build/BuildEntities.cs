namespace Skiff.Engine.Build;

/// <summary>One row of <c>buildah containers</c>.</summary>
public sealed record WorkingContainerSummary(string ContainerId, bool Builder, string ImageId, string ImageName, string ContainerName);

/// <summary>A mounted working container and where (<c>buildah mount</c> without arguments).</summary>
public sealed record MountedContainer(string ContainerName, string MountPoint);
