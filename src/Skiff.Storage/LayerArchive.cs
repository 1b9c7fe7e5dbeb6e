using Skiff.Archive;

namespace Skiff.Storage;

/// <summary>The store's seam to Skiff.Archive: extraction that records a tar-split, and reassembly from it.</summary>
internal static class LayerArchive
{
    public static Task<ExtractResult> ExtractAsync(Stream layer, string targetDir, WhiteoutMode whiteouts, Stream tarSplit, CancellationToken cancellationToken) =>
        LayerExtractor.ExtractAsync(layer, targetDir, new ExtractOptions { Whiteouts = whiteouts, TarSplit = tarSplit }, cancellationToken);

    public static Task<LayerWriteResult> ReassembleAsync(string diffDir, Stream tarSplit, Stream output, CancellationToken cancellationToken) =>
        LayerWriter.ReassembleAsync(diffDir, tarSplit, output, cancellationToken);
}
