using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Registry.Http;

namespace Skiff.Registry;

public sealed partial class RegistryClient
{
    /// <summary>
    /// The manifest named by a tag or digest, at most <see cref="ImageManifest.MaxBytes"/>; when named by digest, the
    /// bytes must hash to it.
    /// </summary>
    public async Task<ManifestBlob> GetManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, await UriAsync($"v2/{repository}/manifests/{reference}", cancellationToken).ConfigureAwait(false));
        foreach (var a in AcceptHeaders())
        {
            request.Headers.Accept.Add(a);
        }
        using HttpResponseMessage response = await SendAsync(request, RequestScope.Pull(repository), cancellationToken, HttpCompletionOption.ResponseHeadersRead).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"reading manifest {reference} in", repository, cancellationToken).ConfigureAwait(false);
        byte[] bytes;
        try
        {
            bytes = await ReadCappedAsync(response.Content, ImageManifest.MaxBytes, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException e)
        {
            throw new MalformedImageException($"manifest {reference} in {Registry}/{repository}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw new RegistryException($"reading manifest {reference} in {Registry}/{repository}: {e.Message}", Registry, repository, inner: e);
        }
        var blob = new ManifestBlob(bytes, MediaTypeOf(response, bytes));
        if (Digest.TryParse(reference, out Digest want) && blob.Digest != want)
        {
            throw new DigestMismatchException($"manifest {want} in {Registry}/{repository}: the registry sent bytes hashing to {blob.Digest}");
        }
        return blob;
    }

    /// <summary>The manifest's digest, type and size without its body; null when the registry does not have it.</summary>
    public async Task<Descriptor?> HeadManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(HttpMethod.Head, await UriAsync($"v2/{repository}/manifests/{reference}", cancellationToken).ConfigureAwait(false));
        foreach (var a in AcceptHeaders())
        {
            request.Headers.Accept.Add(a);
        }
        using HttpResponseMessage response = await SendAsync(request, RequestScope.Pull(repository), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }
        await EnsureSuccessAsync(response, $"reading manifest {reference} in", repository, cancellationToken).ConfigureAwait(false);
        if (!response.Headers.TryGetValues("Docker-Content-Digest", out var values) || !Digest.TryParse(values.FirstOrDefault(), out Digest digest))
        {
            // Without the header the body has to be fetched to know the digest.
            ManifestBlob m = await GetManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false);
            return new Descriptor { MediaType = m.MediaType, Digest = m.Digest, Size = m.Bytes.Length };
        }
        return new Descriptor
        {
            MediaType = response.Content.Headers.ContentType?.MediaType ?? "",
            Digest = digest,
            Size = response.Content.Headers.ContentLength ?? -1,
        };
    }

    private static string MediaTypeOf(HttpResponseMessage response, byte[] bytes)
    {
        string? header = response.Content.Headers.ContentType?.MediaType;
        if (header is not null && header != "application/json" && header != "text/plain")
        {
            return header;
        }
        try
        {
            using JsonDocument doc = JsonDocument.Parse(bytes);
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("mediaType", out JsonElement mt)
                && mt.ValueKind == JsonValueKind.String)
            {
                return mt.GetString()!;
            }
            if (doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("manifests", out _))
            {
                return MediaTypes.OciIndex;
            }
        }
        catch (JsonException)
        {
        }
        return header ?? MediaTypes.OciManifest;
    }

    /// <summary>Stores a manifest under a tag or its digest; returns the digest the registry reports (checked).</summary>
    public async Task<Digest> PutManifestAsync(string repository, string reference, ManifestBlob manifest, CancellationToken cancellationToken = default)
    {
        if (manifest.Bytes.Length > ImageManifest.MaxBytes)
        {
            throw new MalformedImageException($"manifest of {manifest.Bytes.Length} bytes exceeds the limit of {ImageManifest.MaxBytes}");
        }
        using var request = new HttpRequestMessage(HttpMethod.Put, await UriAsync($"v2/{repository}/manifests/{reference}", cancellationToken).ConfigureAwait(false))
        {
            Content = new ByteArrayContent(manifest.Bytes),
        };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using HttpResponseMessage response = await SendAsync(request, RequestScope.Push(repository), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"writing manifest {reference} to", repository, cancellationToken).ConfigureAwait(false);
        Digest digest = manifest.Digest;
        if (response.Headers.TryGetValues("Docker-Content-Digest", out var values) && Digest.TryParse(values.FirstOrDefault(), out Digest reported)
            && reported != digest)
        {
            throw new DigestMismatchException($"manifest pushed to {Registry}/{repository}: the registry reports digest {reported}, expected {digest}");
        }
        return digest;
    }

    /// <summary>Deletes a manifest by digest (a tag is resolved to its digest first, as skopeo delete does).</summary>
    public async Task DeleteManifestAsync(string repository, string reference, CancellationToken cancellationToken = default)
    {
        string target = reference;
        if (!Digest.TryParse(reference, out _))
        {
            Descriptor d = await HeadManifestAsync(repository, reference, cancellationToken).ConfigureAwait(false)
                ?? throw new RegistryException($"deleting {reference} in {Registry}/{repository}: MANIFEST_UNKNOWN: manifest unknown",
                    Registry, repository, HttpStatusCode.NotFound, "MANIFEST_UNKNOWN");
            target = d.Digest.ToString();
        }
        using var request = new HttpRequestMessage(HttpMethod.Delete, await UriAsync($"v2/{repository}/manifests/{target}", cancellationToken).ConfigureAwait(false));
        using HttpResponseMessage response = await SendAsync(request, $"repository:{repository}:*", cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, $"deleting manifest {target} in", repository, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>All tags of a repository, following the registry's pagination.</summary>
    public async Task<IReadOnlyList<string>> ListTagsAsync(string repository, CancellationToken cancellationToken = default)
    {
        var tags = new List<string>();
        Uri? next = await UriAsync($"v2/{repository}/tags/list", cancellationToken).ConfigureAwait(false);
        while (next is not null)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            using HttpResponseMessage response = await SendAsync(request, RequestScope.Pull(repository), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, "listing tags of", repository, cancellationToken).ConfigureAwait(false);
            byte[] body = await ReadCappedAsync(response.Content, 16 * 1024 * 1024, cancellationToken).ConfigureAwait(false);
            TagList? list = JsonSerializer.Deserialize(body, RegistryJsonContext.Default.TagList);
            tags.AddRange(list?.Tags ?? []);
            next = NextLink(response, next);
        }
        return tags;
    }

    /// <summary>Repositories from /v2/_catalog (what podman search falls back to).</summary>
    public async Task<IReadOnlyList<string>> CatalogAsync(int limit, CancellationToken cancellationToken = default)
    {
        var repos = new List<string>();
        Uri? next = await UriAsync($"v2/_catalog", cancellationToken).ConfigureAwait(false);
        while (next is not null && repos.Count < limit)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, next);
            using HttpResponseMessage response = await SendAsync(request, "registry:catalog:*", cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, "listing repositories of", null, cancellationToken).ConfigureAwait(false);
            byte[] body = await ReadCappedAsync(response.Content, 16 * 1024 * 1024, cancellationToken).ConfigureAwait(false);
            repos.AddRange(JsonSerializer.Deserialize(body, RegistryJsonContext.Default.Catalog)?.Repositories ?? []);
            next = NextLink(response, next);
        }
        return repos.Take(limit).ToList();
    }

    private static Uri? NextLink(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out var links))
        {
            return null;
        }
        foreach (string link in links)
        {
            int lt = link.IndexOf('<');
            int gt = link.IndexOf('>');
            if (lt >= 0 && gt > lt && link.Contains("rel=\"next\"", StringComparison.Ordinal))
            {
                return new Uri(current, link[(lt + 1)..gt]);
            }
        }
        return null;
    }
}
