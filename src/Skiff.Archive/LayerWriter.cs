namespace Skiff.Archive;

public static partial class LayerWriter
{
    /// <summary>Writes the whole of <paramref name="dir"/> as a layer; overlay whiteouts in it become <c>.wh.</c> entries.</summary>
    public static Task<LayerWriteResult> WriteDirectoryAsync(string dir, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default) => throw new NotImplementedException();

    /// <summary>Writes what changed from <paramref name="lowerRoot"/> to <paramref name="upperRoot"/> (both full trees), deletions as whiteouts.</summary>
    public static Task<LayerWriteResult> WriteDiffAsync(string lowerRoot, string upperRoot, Stream output, LayerWriteOptions options, CancellationToken cancellationToken = default) => throw new NotImplementedException();
}
