using System.Net.Http.Headers;
using Skiff.Image;

namespace Skiff.TestKit;

/// <summary>
/// Puts a <see cref="MemoryImage"/> into a plain-HTTP, no-auth <see cref="RegistryServer"/> with bare distribution API
/// calls (monolithic uploads), so tests can set up a registry without going through the code under test.
/// </summary>
public static class RegistryUpload
{
    public static async Task PushAsync(this RegistryServer server, MemoryImage image, string repository, string tag)
    {
        using var http = new HttpClient { BaseAddress = new Uri($"http://{server.Host}") };
        foreach ((Digest digest, byte[] bytes) in image.Blobs)
        {
            using HttpResponseMessage start = await http.PostAsync($"/v2/{repository}/blobs/uploads/", null);
            start.EnsureSuccessStatusCode();
            Uri location = start.Headers.Location ?? throw new InvalidOperationException("upload without a Location");
            string separator = location.OriginalString.Contains('?', StringComparison.Ordinal) ? "&" : "?";
            using var body = new ByteArrayContent(bytes);
            body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
            using HttpResponseMessage put = await http.PutAsync($"{location.OriginalString}{separator}digest={Uri.EscapeDataString(digest.ToString())}", body);
            put.EnsureSuccessStatusCode();
        }
        foreach ((Digest digest, Skiff.Image.Transports.ManifestBlob instance) in image.Instances)
        {
            await PutManifestAsync(http, repository, digest.ToString(), instance);
        }
        await PutManifestAsync(http, repository, tag, image.Manifest ?? throw new InvalidOperationException("empty image"));
    }

    private static async Task PutManifestAsync(HttpClient http, string repository, string reference, Skiff.Image.Transports.ManifestBlob manifest)
    {
        using var body = new ByteArrayContent(manifest.Bytes);
        body.Headers.ContentType = new MediaTypeHeaderValue(manifest.MediaType);
        using HttpResponseMessage put = await http.PutAsync($"/v2/{repository}/manifests/{reference}", body);
        if (!put.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"manifest {reference}: {(int)put.StatusCode} {await put.Content.ReadAsStringAsync()}");
        }
    }
}
