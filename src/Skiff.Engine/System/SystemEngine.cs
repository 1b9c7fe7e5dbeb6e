using Skiff.Storage;

namespace Skiff.Engine;

public sealed record StoreInfo(string GraphRoot, string RunRoot, string Driver, string? ConfigFile, int Images, int Containers, int Layers);

public sealed record DiskUsageRow(string Type, int Total, int Active, long Size, long Reclaimable);

/// <summary>podman info / system df / system check / system reset over the store.</summary>
public sealed class SystemEngine
{
    private readonly Store _store;

    public SystemEngine(Store store) => _store = store;

    public StoreInfo Info()
    {
        StoreUsage usage = _store.GetUsage();
        StoreOptions o = _store.Options;
        return new StoreInfo(o.GraphRoot, o.RunRoot, o.Driver, o.ConfigFile, usage.Images, usage.Containers, usage.Layers);
    }

    public IReadOnlyList<DiskUsageRow> DiskUsage()
    {
        StoreUsage usage = _store.GetUsage();
        var used = _store.ListContainers().Select(c => c.ImageId).Where(i => i is not null).ToHashSet();
        int activeImages = _store.ListImages().Count(i => used.Contains(i.Id));
        return
        [
            new DiskUsageRow("Images", usage.Images, activeImages, usage.ImagesSize, usage.ReclaimableImages),
            new DiskUsageRow("Containers", usage.Containers, 0, usage.ContainersSize, usage.ContainersSize),
            new DiskUsageRow("Local Volumes", 0, 0, 0, 0),
        ];
    }

    public Task<CheckReport> CheckAsync(bool repair, CancellationToken cancellationToken = default) =>
        _store.CheckAsync(repair, cancellationToken);

    public Task ResetAsync(CancellationToken cancellationToken = default) => _store.ResetAsync(cancellationToken);
}
