using System.Security.Cryptography;
using Skiff.Interop;

namespace Skiff.Storage;

/// <summary>File helpers with the store's durability rules: temp + fsync + rename + fsync of the directory.</summary>
internal static class FileSystem
{
    public static string RandomId() => Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));

    /// <summary>Replaces <paramref name="path"/> so that readers see either the old or the new content, never a mix.</summary>
    public static void WriteAtomic(string path, ReadOnlySpan<byte> content)
    {
        string dir = Path.GetDirectoryName(path)!;
        string temp = Path.Combine(dir, $".{Path.GetFileName(path)}.tmp-{RandomId()[..12]}");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                fs.Write(content);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDeleteFile(temp);
            throw;
        }
        FileSync.SyncDirectory(dir);
    }

    /// <summary>True for the temp files WriteAtomic leaves behind when interrupted.</summary>
    public static bool IsAtomicTemp(string name) => name.StartsWith('.') && name.Contains(".tmp-", StringComparison.Ordinal);

    public static void TryDeleteFile(string path)
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

    /// <summary>Deletes a tree without following symlinks; entries vanishing meanwhile are fine.</summary>
    public static void DeleteTree(string path)
    {
        FileAttributes attributes;
        try
        {
            attributes = File.GetAttributes(path);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return;
        }
        if (!attributes.HasFlag(FileAttributes.Directory) || attributes.HasFlag(FileAttributes.ReparsePoint))
        {
            TryDeleteFile(path);
            return;
        }
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (DirectoryNotFoundException)
        {
        }
        catch (IOException)
        {
            // Something vanished or changed under us; sweep what is left one entry at a time.
            foreach (string entry in SafeEnumerate(path))
            {
                DeleteTree(entry);
            }
            try
            {
                Directory.Delete(path, recursive: false);
            }
            catch (IOException)
            {
            }
        }
    }

    private static IEnumerable<string> SafeEnumerate(string dir)
    {
        try
        {
            return Directory.GetFileSystemEntries(dir);
        }
        catch (IOException)
        {
            return [];
        }
    }

    /// <summary>Bytes used by the files under <paramref name="dir"/> (apparent sizes, links not followed).</summary>
    public static long TreeSize(string dir)
    {
        long total = 0;
        try
        {
            var options = new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = true };
            foreach (FileInfo f in new DirectoryInfo(dir).EnumerateFiles("*", options))
            {
                total += f.Length;
            }
        }
        catch (IOException)
        {
        }
        return total;
    }

    /// <summary>Copies a tree the way <c>cp -a</c> does (owners, modes, times, xattrs, hard links, devices).</summary>
    public static async Task CopyTreeAsync(string source, string target, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(target);
        var psi = new System.Diagnostics.ProcessStartInfo("cp")
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string arg in (string[])["-a", "--reflink=auto", "--", Path.Combine(source, "."), target])
        {
            psi.ArgumentList.Add(arg);
        }
        using var process = System.Diagnostics.Process.Start(psi)
            ?? throw new StorageException($"copying {source} to {target}: cannot start cp");
        string stderr = await process.StandardError.ReadToEndAsync(cancellationToken).ConfigureAwait(false);
        await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
        if (process.ExitCode != 0)
        {
            throw new StorageException($"copying {source} to {target}: {stderr.Trim()}");
        }
    }
}
