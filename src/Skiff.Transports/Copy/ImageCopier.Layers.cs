using System.IO.Pipelines;
using Skiff.Archive;
using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Transports.Copy;

public sealed partial class ImageCopier
{
    /// <summary>
    /// Copies the layers, several at once when the destination allows it (else one by one, in order, which is what a
    /// destination that applies layers on their parents needs). The first failure cancels the others.
    /// </summary>
    private static async Task<Descriptor[]> CopyLayersAsync(CopyRun run, IReadOnlyList<Descriptor> layers, IReadOnlyList<Digest> diffIds, bool docker, CancellationToken cancellationToken)
    {
        var results = new Descriptor[layers.Count];
        int parallel = run.Destination.HasThreadSafePutBlob ? Math.Max(1, run.Options.MaxParallelLayers) : 1;
        if (parallel == 1)
        {
            for (int i = 0; i < layers.Count; i++)
            {
                results[i] = await CopyLayerAsync(run, layers[i], i, diffIds[i], docker, cancellationToken).ConfigureAwait(false);
            }
            return results;
        }
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var gate = new SemaphoreSlim(parallel, parallel);
        var tasks = new List<Task>();
        for (int i = 0; i < layers.Count; i++)
        {
            // Slots are taken in layer order, so a layer never waits for a slot held by layers after it (a destination
            // may make layer i wait until layer i-1 has started: the store's per-layer locks are taken in order).
            try
            {
                await gate.WaitAsync(cts.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
            int index = i;
            tasks.Add(Task.Run(async () =>
            {
                try
                {
                    results[index] = await CopyLayerAsync(run, layers[index], index, diffIds[index], docker, cts.Token).ConfigureAwait(false);
                }
                catch
                {
                    await cts.CancelAsync().ConfigureAwait(false);
                    throw;
                }
                finally
                {
                    gate.Release();
                }
            }, CancellationToken.None));
        }
        try
        {
            await Task.WhenAll(tasks).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // Report the failure that caused the cancellation, not the cancellation itself.
            Exception? first = tasks.Where(t => t.IsFaulted).Select(t => t.Exception!.InnerException).FirstOrDefault();
            if (first is not null)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(first);
            }
            throw;
        }
        cancellationToken.ThrowIfCancellationRequested();
        return results;
    }

    private static async Task<Descriptor> CopyLayerAsync(CopyRun run, Descriptor layer, int index, Digest diffId, bool docker, CancellationToken cancellationToken)
    {
        Compression stored = MediaTypes.CompressionOf(layer.MediaType);
        Compression? destWants = run.Destination.DesiredLayerCompression;
        Compression? want = destWants == Compression.None ? Compression.None : run.Options.Compression ?? destWants;
        bool recompress = want is { } w && w != stored;
        string mediaType = recompress ? MediaTypes.LayerFor(want!.Value, docker) : ManifestConversion.LayerFor(layer.MediaType, docker);

        // What the destination will get: the same blob, or (decompressing) the tar named by its DiffID, or
        // (recompressing) bytes whose digest nobody knows yet.
        Descriptor target = !recompress
            ? layer with { MediaType = mediaType }
            : want == Compression.None
                ? new Descriptor { MediaType = mediaType, Digest = diffId, Size = -1 }
                : new Descriptor { MediaType = mediaType, Size = -1 };
        var info = new BlobInfo { Descriptor = target, LayerIndex = index, DiffId = diffId };

        if (!target.Digest.IsEmpty
            && await run.Destination.TryReuseBlobAsync(info, cancellationToken).ConfigureAwait(false) is { } reused)
        {
            run.Report(CopyProgressKind.BlobSkipped, $"Copying blob {Short(layer.Digest)} skipped: already exists", layer.Digest, layer.Size);
            return reused with { MediaType = mediaType };
        }

        run.Report(CopyProgressKind.BlobStarted, $"Copying blob {layer.Digest}", layer.Digest, layer.Size);
        Stream raw = await run.Source.GetBlobAsync(layer, cancellationToken).ConfigureAwait(false);
        if (run.Options.Progress is { } progress)
        {
            Digest digest = layer.Digest;
            raw = new ProgressReadStream(raw, bytes => progress.Report(new CopyProgress(CopyProgressKind.BlobBytes, $"Copying blob {Short(digest)}", digest, layer.Size, bytes)));
        }
        await using var verifying = new DigestingStream(raw, layer.Digest, layer.Size);
        (Stream content, Compression actual) = await PeekCompressionAsync(verifying, cancellationToken).ConfigureAwait(false);
        if (want is { } wanted && actual != stored)
        {
            // The bytes decide, not the label (c/image labels docker-archive layers gzip whatever they are).
            recompress = wanted != actual;
            mediaType = MediaTypes.LayerFor(wanted, docker);
            target = !recompress
                ? layer with { MediaType = mediaType }
                : wanted == Compression.None
                    ? new Descriptor { MediaType = mediaType, Digest = diffId, Size = -1 }
                    : new Descriptor { MediaType = mediaType, Size = -1 };
            info = info with { Descriptor = target };
        }
        Descriptor put;
        if (!recompress)
        {
            put = await run.Destination.PutBlobAsync(content, info, cancellationToken).ConfigureAwait(false);
            // A destination that stopped reading before the end would have skipped the check at end of stream.
            verifying.Verify();
        }
        else
        {
            put = await PutConvertedAsync(run, verifying, content, layer.Digest, want!.Value, diffId, info, cancellationToken).ConfigureAwait(false);
        }
        run.Report(CopyProgressKind.BlobDone, $"Copying blob {Short(layer.Digest)} done", layer.Digest, layer.Size);
        return put with { MediaType = mediaType };
    }

    /// <summary>
    /// Decompresses (and recompresses) on a producer task feeding a pipe the destination reads. The producer checks
    /// the source digest and the DiffID before it ends the stream, and completes the pipe with the error otherwise, so
    /// the destination sees the failure while still reading and keeps nothing.
    /// </summary>
    private static async Task<Descriptor> PutConvertedAsync(CopyRun run, DigestingStream verifying, Stream content, Digest layerDigest, Compression want, Digest diffId, BlobInfo info, CancellationToken cancellationToken)
    {
        var pipe = new Pipe(new PipeOptions(pauseWriterThreshold: 1 << 20, resumeWriterThreshold: 1 << 19));
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task producer = Task.Run(async () =>
        {
            Exception? error = null;
            try
            {
                await ProduceAsync(verifying, content, pipe.Writer, want, run.Options.CompressionLevel, diffId, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e) when (e is InvalidDataException or ZstdSharp.ZstdException)
            {
                error = await DiagnoseUndecompressableAsync(verifying, layerDigest, e, cts.Token).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                error = e;
            }
            await pipe.Writer.CompleteAsync(error).ConfigureAwait(false);
        }, CancellationToken.None);
        try
        {
            await using Stream reader = pipe.Reader.AsStream(leaveOpen: true);
            return await run.Destination.PutBlobAsync(reader, info, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
            await pipe.Reader.CompleteAsync().ConfigureAwait(false);
            await producer.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// A layer that does not decompress is most often one that was corrupted on the way: the digest check says so
    /// more precisely than the decompressor, so it is given the chance to speak first.
    /// </summary>
    private static async Task<Exception> DiagnoseUndecompressableAsync(DigestingStream verifying, Digest layerDigest, Exception error, CancellationToken cancellationToken)
    {
        try
        {
            await verifying.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            verifying.Verify();
        }
        catch (DigestMismatchException mismatch)
        {
            return mismatch;
        }
        catch (Exception e) when (e is IOException or OperationCanceledException)
        {
        }
        return new MalformedImageException($"layer {layerDigest}: cannot decompress: {error.Message}", error);
    }

    private static async Task ProduceAsync(DigestingStream verifying, Stream content, PipeWriter writer, Compression want, int? level, Digest diffId, CancellationToken cancellationToken)
    {
        await using Stream sink = writer.AsStream(leaveOpen: true);
        (Stream decompressed, _) = await Compressors.OpenDecompressedAsync(content, leaveOpen: true, cancellationToken).ConfigureAwait(false);
        await using (decompressed.ConfigureAwait(false))
        {
            await using var tar = new DigestingStream(decompressed, leaveOpen: true);
            if (want == Compression.None)
            {
                await tar.CopyToAsync(sink, 1 << 16, cancellationToken).ConfigureAwait(false);
            }
            else
            {
                Stream compressor = Compressors.OpenCompressor(sink, want, level, leaveOpen: true);
                await using (compressor.ConfigureAwait(false))
                {
                    await tar.CopyToAsync(compressor, 1 << 16, cancellationToken).ConfigureAwait(false);
                }
            }
            // The decompressor may stop at the end of the compressed stream; read the rest so the source check runs.
            await content.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
            verifying.Verify();
            if (tar.Digest != diffId)
            {
                throw new DigestMismatchException($"layer {verifying.Digest}: uncompressed digest {tar.Digest} does not match the config's diff_id {diffId}");
            }
        }
    }

    /// <summary>Reads the first bytes to learn the blob's real compression; the returned stream replays them.</summary>
    private static async Task<(Stream Content, Compression Compression)> PeekCompressionAsync(Stream stream, CancellationToken cancellationToken)
    {
        byte[] head = new byte[4];
        int n = await stream.ReadAtLeastAsync(head, head.Length, throwOnEndOfStream: false, cancellationToken).ConfigureAwait(false);
        return (new PrefixedReadStream(head.AsMemory(0, n), stream, leaveOpen: true), Compressors.Detect(head.AsSpan(0, n)));
    }

    private static string Short(Digest d) => d.Encoded.Length >= 12 ? d.Encoded[..12] : d.Encoded;
}
