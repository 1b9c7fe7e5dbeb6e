using System.Net;
using System.Net.Http.Headers;
using Skiff.Image;
using Skiff.Registry.Http;

namespace Skiff.Registry;

public sealed partial class RegistryClient
{
    /// <summary>Bytes up to which a blob of known digest and size goes up in one PUT rather than a PATCH stream.</summary>
    public long MonolithicLimit { get; }

    /// <summary>When positive, streamed uploads go in PATCH chunks of this size (Content-Range) instead of one PATCH.</summary>
    public int ChunkSize { get; }

    /// <summary>Blobs uploaded and mounted by this client (what a push really transferred).</summary>
    public int BlobsUploaded => _uploaded;

    public int BlobsMounted => _mounted;

    private int _uploaded;
    private int _mounted;

    /// <summary>
    /// Opens a blob for reading. An interrupted body is resumed with a Range request where the registry allows it.
    /// With <paramref name="verify"/> the stream checks size and digest at its end (throwing DigestMismatchException).
    /// </summary>
    public async Task<Stream> GetBlobAsync(string repository, Descriptor blob, bool verify = true, CancellationToken cancellationToken = default)
    {
        Stream body = await OpenBlobAsync(repository, blob.Digest, 0, cancellationToken).ConfigureAwait(false);
        var resuming = new ResumingStream(body, (offset, ct) => OpenBlobAsync(repository, blob.Digest, offset, ct), blob.Size);
        return verify ? new DigestingStream(resuming, blob.Digest, blob.Size) : resuming;
    }

    private async Task<Stream> OpenBlobAsync(string repository, Digest digest, long offset, CancellationToken cancellationToken)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, await UriAsync($"v2/{repository}/blobs/{digest}", cancellationToken).ConfigureAwait(false));
        if (offset > 0)
        {
            request.Headers.Range = new RangeHeaderValue(offset, null);
        }
        HttpResponseMessage response = await SendAsync(request, RequestScope.Pull(repository), cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        try
        {
            await EnsureSuccessAsync(response, $"fetching blob {digest} from", repository, cancellationToken).ConfigureAwait(false);
            if (offset > 0 && response.StatusCode != HttpStatusCode.PartialContent)
            {
                throw new RegistryException($"fetching blob {digest} from {Registry}/{repository}: the registry cannot resume at byte {offset}",
                    Registry, repository, response.StatusCode);
            }
            Stream stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
            return new OwningStream(stream, response, request);
        }
        catch
        {
            response.Dispose();
            request.Dispose();
            throw;
        }
    }

    /// <summary>The size of the blob when the repository has it, else null.</summary>
    public async Task<long?> BlobSizeAsync(string repository, Digest digest, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, await UriAsync($"v2/{repository}/blobs/{digest}", cancellationToken).ConfigureAwait(false));
        using HttpResponseMessage response = await SendAsync(request, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, $"checking blob {digest} in", repository, cancellationToken).ConfigureAwait(false);
        return response.Content.Headers.ContentLength ?? -1;
    }

    /// <summary>Cross-repository mount from another repository of the same registry; false when the registry declined.</summary>
    public async Task<bool> TryMountBlobAsync(string repository, Digest digest, string fromRepository, CancellationToken cancellationToken = default)
    {
        Uri uri = await UriAsync($"v2/{repository}/blobs/uploads/?mount={Uri.EscapeDataString(digest.ToString())}&from={Uri.EscapeDataString(fromRepository)}", cancellationToken).ConfigureAwait(false);
        using var request = new HttpRequestMessage(HttpMethod.Post, uri);
        using HttpResponseMessage response = await SendAsync(request, $"{RequestScope.Push(repository)} {RequestScope.Pull(fromRepository)}", cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.Created)
        {
            Interlocked.Increment(ref _mounted);
            return true;
        }
        if (response.StatusCode == HttpStatusCode.Accepted)
        {
            // The registry started an ordinary upload instead: cancel it, the caller uploads.
            if (UploadLocation(response) is { } location)
            {
                using var cancel = new HttpRequestMessage(HttpMethod.Delete, location);
                using HttpResponseMessage _ = await SendAsync(cancel, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
            }
            return false;
        }
        if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.NotFound)
        {
            return false;
        }
        await EnsureSuccessAsync(response, $"mounting blob {digest} into", repository, cancellationToken).ConfigureAwait(false);
        return false;
    }

    /// <summary>
    /// Uploads a blob. With known digest and size (up to <see cref="MonolithicLimit"/>) it is POST then one PUT
    /// <c>?digest=</c> with the body; otherwise POST, PATCH (streamed, or in chunks) and PUT <c>?digest=</c> with the
    /// digest computed on the way. Returns what the registry stored.
    /// </summary>
    public async Task<Descriptor> UploadBlobAsync(string repository, Stream content, Descriptor expected, CancellationToken cancellationToken = default)
    {
        Uri location = await StartUploadAsync(repository, cancellationToken).ConfigureAwait(false);
        bool known = !expected.Digest.IsEmpty && expected.Size >= 0;
        if (known && expected.Size <= MonolithicLimit && ChunkSize <= 0)
        {
            using var put = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, expected.Digest))
            {
                Content = new StreamContent(new BorrowedStream(content), 1 << 16),
            };
            put.Content.Headers.ContentLength = expected.Size;
            put.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            put.Options.Set(RequestScope.OneShot, true);
            using HttpResponseMessage response = await SendUploadAsync(put, repository, cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, $"uploading blob {expected.Digest} to", repository, cancellationToken).ConfigureAwait(false);
            Interlocked.Increment(ref _uploaded);
            return expected;
        }

        await using var hashing = new DigestingStream(content, leaveOpen: true);
        location = ChunkSize > 0
            ? await PatchChunksAsync(repository, location, hashing, cancellationToken).ConfigureAwait(false)
            : await PatchStreamAsync(repository, location, hashing, cancellationToken).ConfigureAwait(false);
        Digest digest = hashing.Digest;
        if (!expected.Digest.IsEmpty && digest != expected.Digest)
        {
            await CancelUploadAsync(repository, location, cancellationToken).ConfigureAwait(false);
            throw new DigestMismatchException($"blob {expected.Digest} for {Registry}/{repository}: the content hashes to {digest}");
        }
        using (var finish = new HttpRequestMessage(HttpMethod.Put, WithDigest(location, digest)))
        {
            using HttpResponseMessage response = await SendAsync(finish, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, $"completing upload of blob {digest} to", repository, cancellationToken).ConfigureAwait(false);
        }
        Interlocked.Increment(ref _uploaded);
        return expected with { Digest = digest, Size = hashing.BytesProcessed };
    }

    private async Task<HttpResponseMessage> SendUploadAsync(HttpRequestMessage request, string repository, CancellationToken cancellationToken)
    {
        try
        {
            return await SendAsync(request, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
        }
        catch (RegistryException e) when (FindMismatch(e) is { } mismatch)
        {
            // The body stream failed its digest check while being sent: that is the error to report.
            throw mismatch;
        }
    }

    private static DigestMismatchException? FindMismatch(Exception e)
    {
        for (Exception? x = e; x is not null; x = x.InnerException)
        {
            if (x is DigestMismatchException m)
            {
                return m;
            }
        }
        return null;
    }

    private async Task<Uri> StartUploadAsync(string repository, CancellationToken cancellationToken)
    {
        using var post = new HttpRequestMessage(HttpMethod.Post, await UriAsync($"v2/{repository}/blobs/uploads/", cancellationToken).ConfigureAwait(false));
        using HttpResponseMessage response = await SendAsync(post, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "starting an upload to", repository, cancellationToken).ConfigureAwait(false);
        return UploadLocation(response)
            ?? throw new RegistryException($"starting an upload to {Registry}/{repository}: the registry gave no upload location", Registry, repository, response.StatusCode);
    }

    private async Task<Uri> PatchStreamAsync(string repository, Uri location, Stream content, CancellationToken cancellationToken)
    {
        using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new StreamContent(new BorrowedStream(content), 1 << 16) };
        patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        patch.Options.Set(RequestScope.OneShot, true);
        using HttpResponseMessage response = await SendUploadAsync(patch, repository, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, "uploading to", repository, cancellationToken).ConfigureAwait(false);
        return UploadLocation(response) ?? location;
    }

    private async Task<Uri> PatchChunksAsync(string repository, Uri location, Stream content, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[ChunkSize];
        long offset = 0;
        while (true)
        {
            int filled = 0;
            int n;
            while (filled < buffer.Length && (n = await content.ReadAsync(buffer.AsMemory(filled), cancellationToken).ConfigureAwait(false)) > 0)
            {
                filled += n;
            }
            if (filled == 0)
            {
                return location;
            }
            using var patch = new HttpRequestMessage(HttpMethod.Patch, location) { Content = new ByteArrayContent(buffer, 0, filled) };
            patch.Content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            patch.Content.Headers.TryAddWithoutValidation("Content-Range", $"{offset}-{offset + filled - 1}");
            using HttpResponseMessage response = await SendAsync(patch, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, "uploading a chunk to", repository, cancellationToken).ConfigureAwait(false);
            location = UploadLocation(response) ?? location;
            offset += filled;
            if (filled < buffer.Length)
            {
                return location;
            }
        }
    }

    private async Task CancelUploadAsync(string repository, Uri location, CancellationToken cancellationToken)
    {
        using var cancel = new HttpRequestMessage(HttpMethod.Delete, location);
        using HttpResponseMessage _ = await SendAsync(cancel, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
    }

    private static Uri? UploadLocation(HttpResponseMessage response)
    {
        Uri? location = response.Headers.Location;
        if (location is null)
        {
            return null;
        }
        return location.IsAbsoluteUri ? location : new Uri(response.RequestMessage!.RequestUri!, location);
    }

    private static Uri WithDigest(Uri location, Digest digest)
    {
        var builder = new UriBuilder(location);
        string q = "digest=" + Uri.EscapeDataString(digest.ToString());
        builder.Query = string.IsNullOrEmpty(builder.Query) ? q : builder.Query.TrimStart('?') + "&" + q;
        return builder.Uri;
    }

    /// <summary>Lends a caller's stream to an HttpContent, which disposes what it is given, without letting it close it.</summary>
    private class BorrowedStream(Stream inner) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override int Read(Span<byte> buffer) => inner.Read(buffer);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) => inner.ReadAsync(buffer, offset, count, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>A response body that disposes its response and request with it.</summary>
    private sealed class OwningStream(Stream inner, HttpResponseMessage response, HttpRequestMessage request) : BorrowedStream(inner)
    {
        private readonly Stream _inner = inner;

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                _inner.Dispose();
                response.Dispose();
                request.Dispose();
            }
            base.Dispose(disposing);
        }
    }
}
