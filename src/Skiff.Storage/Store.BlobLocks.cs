using Microsoft.Win32.SafeHandles;
using Skiff.Image;
using Skiff.Interop;

namespace Skiff.Storage;

public sealed partial class Store
{
    /// <summary>
    /// Takes the cross-process lock for one layer digest (flock on RunRoot/DRIVER-layer-locks/HEX.lock), waiting while
    /// another process holds it. A puller holds it from "the store lacks this layer" until the layer is committed, so a
    /// second puller of the same layer waits and then finds it stored instead of fetching it again. The lock files stay:
    /// removing one while a waiter has it open would let two holders in.
    /// </summary>
    internal async Task<IDisposable> LockLayerDigestAsync(Digest digest, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        Directory.CreateDirectory(_paths.LayerLocksDir);
        SafeFileHandle handle = FileLock.OpenLockFile(_paths.LayerLock(digest));
        try
        {
            // Polled rather than a blocking flock: a thread-pool thread is not parked for minutes, and cancellation works.
            int delay = 10;
            while (!FileLock.TryLock(handle, exclusive: true))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Math.Min(delay * 2, 200);
            }
            return new LayerDigestLock(handle);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Closing the descriptor releases the flock, also when the process dies.</summary>
    private sealed class LayerDigestLock(SafeFileHandle handle) : IDisposable
    {
        public void Dispose() => handle.Dispose();
    }
}
