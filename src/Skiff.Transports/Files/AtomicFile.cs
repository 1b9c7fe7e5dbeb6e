using Skiff.Image;

namespace Skiff.Transports.Files;

/// <summary>Writes that become visible whole or not at all: temp file in the same directory, fsync, rename.</summary>
internal static class AtomicFile
{
    public static async Task WriteAllBytesAsync(string path, ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        string temp = TempPathNextTo(path);
        try
        {
            await using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1, FileOptions.Asynchronous))
            {
                await fs.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    public static string TempPathNextTo(string path) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, $".{Path.GetFileName(path)}.tmp-{Guid.NewGuid():N}");

    public static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static void TryDeleteDirectory(string path)
    {
        try
        {
            if (Directory.Exists(path))
            {
                Directory.Delete(path, recursive: true);
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    /// <summary>
    /// Reads a small metadata file whole, refusing files above <paramref name="maxBytes"/> before reading them, so a
    /// hostile layout cannot make us allocate what it likes.
    /// </summary>
    public static async Task<byte[]> ReadSmallFileAsync(Stream stream, long maxBytes, string what, CancellationToken cancellationToken)
    {
        if (stream.CanSeek && stream.Length > maxBytes)
        {
            throw new MalformedImageException($"{what} is {stream.Length} bytes, above the limit of {maxBytes}");
        }
        using var ms = new MemoryStream();
        byte[] buffer = new byte[81920];
        int n;
        while ((n = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (ms.Length + n > maxBytes)
            {
                throw new MalformedImageException($"{what} is above the limit of {maxBytes} bytes");
            }
            ms.Write(buffer, 0, n);
        }
        return ms.ToArray();
    }
}
