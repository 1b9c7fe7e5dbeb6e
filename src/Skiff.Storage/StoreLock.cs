using System.Security.Cryptography;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Storage;

/// <summary>
/// The store's metadata lock: flock on <c>storage.lock</c> (exclusive for writers, shared for readers), plus an
/// in-process gate because one Store instance shares one open file description between its threads. The file's
/// content is the last writer's token: a writer stores a fresh random token before changing anything, so an
/// instance that sees a token other than its own last one knows its cached indexes are stale.
/// </summary>
internal sealed class StoreLock : IDisposable
{
    private const int TokenLength = 16;
    private readonly SafeFileHandle _handle;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly string _path;

    public StoreLock(string path)
    {
        _path = path;
        _handle = FileLock.OpenLockFile(path);
    }

    /// <summary>Blocks until held. Work done while holding it must not await: other holders may block threads.</summary>
    public Lease Acquire(bool exclusive)
    {
        _gate.Wait();
        try
        {
            FileLock.Lock(_handle, exclusive);
        }
        catch
        {
            _gate.Release();
            throw;
        }
        return new Lease(this);
    }

    /// <summary>The token of the last writer (empty for a store never written).</summary>
    public byte[] ReadToken()
    {
        byte[] buffer = new byte[TokenLength];
        int n = RandomAccess.Read(_handle, buffer, 0);
        return buffer.AsSpan(0, n).ToArray();
    }

    /// <summary>Records a new write; call with the exclusive lease held, before changing anything.</summary>
    public byte[] WriteNewToken()
    {
        byte[] token = RandomNumberGenerator.GetBytes(TokenLength);
        RandomAccess.Write(_handle, token, 0);
        return token;
    }

    public string Path => _path;

    public void Dispose()
    {
        _handle.Dispose();
        _gate.Dispose();
    }

    public readonly struct Lease(StoreLock owner) : IDisposable
    {
        public void Dispose()
        {
            try
            {
                FileLock.Unlock(owner._handle);
            }
            finally
            {
                owner._gate.Release();
            }
        }
    }
}

/// <summary>
/// A private directory under GraphRoot/tmp for work done outside the metadata lock. A sibling
/// <c>NAME.lock</c>, held exclusively while in use, tells a cleaner whether its owner is still alive.
/// </summary>
internal sealed class StagingDirectory : IDisposable
{
    private readonly SafeFileHandle _lock;
    private readonly string _lockPath;

    public StagingDirectory(string tmpRoot)
    {
        Directory.CreateDirectory(tmpRoot);
        while (true)
        {
            string name = FileSystem.RandomId()[..24];
            string lockPath = System.IO.Path.Combine(tmpRoot, name + ".lock");
            SafeFileHandle handle = FileLock.OpenLockFile(lockPath);
            FileLock.Lock(handle, exclusive: true);
            // A cleaner may have taken the fresh lock file for a dead one and unlinked it before we locked it.
            if (!File.Exists(lockPath))
            {
                handle.Dispose();
                continue;
            }
            _lock = handle;
            _lockPath = lockPath;
            Path = System.IO.Path.Combine(tmpRoot, name);
            Directory.CreateDirectory(Path);
            break;
        }
    }

    public string Path { get; }

    public void Dispose()
    {
        FileSystem.DeleteTree(Path);
        FileSystem.TryDeleteFile(_lockPath);
        _lock.Dispose();
    }

    /// <summary>Removes staging and trash left by dead processes; live staging directories are skipped.</summary>
    public static void CleanLeftovers(string tmpRoot)
    {
        if (!Directory.Exists(tmpRoot))
        {
            return;
        }
        foreach (string entry in Directory.GetFileSystemEntries(tmpRoot))
        {
            if (entry.EndsWith(".lock", StringComparison.Ordinal))
            {
                SafeFileHandle handle;
                try
                {
                    handle = FileLock.OpenLockFile(entry);
                }
                catch (IOException)
                {
                    continue;
                }
                using (handle)
                {
                    if (FileLock.TryLock(handle, exclusive: true))
                    {
                        FileSystem.DeleteTree(entry[..^".lock".Length]);
                        FileSystem.TryDeleteFile(entry);
                    }
                }
            }
            else if (!File.Exists(entry + ".lock"))
            {
                // Trash (renamed away for deletion) or staging whose owner died after removing its lock.
                FileSystem.DeleteTree(entry);
            }
        }
    }
}
