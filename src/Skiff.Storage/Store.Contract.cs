namespace Skiff.Storage;

public sealed partial class Store
{
    /// <summary>The directory holding the layer's own files (overlay: its diff dir; vfs: its full tree).</summary>
    public string LayerDiffPath(string layerId) => _paths.LayerDiff(layerId);
}
