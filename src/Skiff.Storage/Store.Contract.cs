namespace Skiff.Storage;

// Members the engine needs beyond the first contract; implemented once the store lands.
public sealed partial class Store
{
    /// <summary>The directory holding the layer's own files (overlay: its diff dir).</summary>
    public string LayerDiffPath(string layerId) => throw new NotImplementedException();
}
