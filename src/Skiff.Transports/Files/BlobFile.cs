using Skiff.Image;

namespace Skiff.Transports.Files;

/// <summary>
/// Streams a blob into a temp file while hashing it, and gives it its final name only once the bytes are whole and
/// match what they claim to be. On any failure the temp file is removed, so nothing of a bad blob stays.
/// </summary>
internal static class BlobFile
{
    /// <summary>What was written: digest and size as computed from the bytes.</summary>
    public readonly record struct Written(Digest Digest, long Size);

    /// <summary>
    /// Copies <paramref name="content"/> to a temp file in <paramref name="tempDir"/> and checks it against
    /// <paramref name="expected"/> (its digest and size, when known). Returns the temp path; the caller renames it
    /// or deletes it.
    /// </summary>
    public static async Task<(string TempPath, Written Blob)> WriteTempAsync(Stream content, Descriptor expected, string tempDir, CancellationToken cancellationToken)
    {
        string temp = Path.Combine(tempDir, $".tmp-blob-{Guid.NewGuid():N}");
        try
        {
            Written written;
            await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                // The expected digest only picks the algorithm here; the comparison is Check's, after the last byte.
                using var hashing = new DigestingStream(fs, expected.Digest.IsEmpty ? null : expected.Digest, -1, leaveOpen: true);
                await content.CopyToAsync(hashing, 1 << 16, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
                written = new Written(hashing.Digest, hashing.BytesProcessed);
            }
            Check(expected, written);
            return (temp, written);
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes the blob and renames it to <paramref name="finalPath"/>(digest).</summary>
    public static async Task<Written> WriteAsync(Stream content, Descriptor expected, string tempDir, Func<Digest, string> finalPath, CancellationToken cancellationToken)
    {
        (string temp, Written written) = await WriteTempAsync(content, expected, tempDir, cancellationToken).ConfigureAwait(false);
        try
        {
            string target = finalPath(written.Digest);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Move(temp, target, overwrite: true);
            return written;
        }
        catch
        {
            AtomicFile.TryDelete(temp);
            throw;
        }
    }

    private static void Check(Descriptor expected, Written written)
    {
        if (expected.Size >= 0 && !expected.Digest.IsEmpty && written.Size != expected.Size)
        {
            throw new DigestMismatchException($"blob {expected.Digest}: size {written.Size} does not match the declared {expected.Size}");
        }
        if (!expected.Digest.IsEmpty && written.Digest != expected.Digest)
        {
            throw new DigestMismatchException($"digest mismatch: expected {expected.Digest}, got {written.Digest}");
        }
    }
}
