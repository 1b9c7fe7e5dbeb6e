using System.Collections.Concurrent;
using System.Net;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.TestKit;

namespace Skiff.Registry.Tests;

/// <summary>
/// A small registry in the test process serving one <see cref="MemoryImage"/> as <c>fake/img:latest</c>, which can be
/// told to misbehave per request (<see cref="Fault"/>). Records every request and its Authorization header.
/// </summary>
internal sealed class FakeRegistry : IDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentDictionary<string, int> _attempts = new();

    public FakeRegistry(MemoryImage image, string? basicCreds = null)
    {
        Image = image;
        BasicCreds = basicCreds;
        for (int attempt = 0; ; attempt++)
        {
            Port = RegistryServer.FreePort();
            _listener = new HttpListener();
            _listener.Prefixes.Add($"http://127.0.0.1:{Port}/");
            try
            {
                _listener.Start();
                break;
            }
            catch (HttpListenerException) when (attempt < 5)
            {
            }
        }
        _ = Task.Run(LoopAsync);
    }

    public MemoryImage Image { get; }
    public string? BasicCreds { get; }
    public int Port { get; private set; }
    public string Host => $"127.0.0.1:{Port}";

    /// <summary>Return true when the fault answered the request: (context, path, attempt number for that path from 1).</summary>
    public Func<HttpListenerContext, string, int, bool>? Fault { get; set; }

    public ConcurrentQueue<(string Method, string Path, string? Authorization)> Requests { get; } = new();

    public int AttemptsAt(string path) => _attempts.GetValueOrDefault(path);

    private async Task LoopAsync()
    {
        while (_listener.IsListening)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception)
            {
                return;
            }
            _ = Task.Run(() => Serve(context));
        }
    }

    private void Serve(HttpListenerContext context)
    {
        string path = context.Request.Url!.AbsolutePath;
        Requests.Enqueue((context.Request.HttpMethod, path, context.Request.Headers["Authorization"]));
        int attempt = _attempts.AddOrUpdate(path, 1, (_, n) => n + 1);
        try
        {
            if (BasicCreds is not null)
            {
                string expected = "Basic " + Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(BasicCreds));
                if (context.Request.Headers["Authorization"] != expected)
                {
                    context.Response.StatusCode = 401;
                    context.Response.Headers["WWW-Authenticate"] = "Basic realm=\"fake\"";
                    WriteJson(context, """{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}""");
                    return;
                }
            }
            if (Fault?.Invoke(context, path, attempt) == true)
            {
                return;
            }
            if (path == "/v2/")
            {
                WriteJson(context, "{}");
                return;
            }
            if (path.StartsWith("/v2/fake/img/manifests/", StringComparison.Ordinal))
            {
                string reference = path["/v2/fake/img/manifests/".Length..];
                ManifestBlob? m = reference == "latest" ? Image.Manifest
                    : Digest.TryParse(reference, out Digest d) && Image.Manifest!.Digest == d ? Image.Manifest
                    : Digest.TryParse(reference, out d) && Image.Instances.TryGetValue(d, out ManifestBlob? i) ? i : null;
                if (m is null)
                {
                    context.Response.StatusCode = 404;
                    WriteJson(context, """{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}""");
                    return;
                }
                context.Response.ContentType = m.MediaType;
                context.Response.Headers["Docker-Content-Digest"] = m.Digest.ToString();
                WriteBytes(context, m.Bytes);
                return;
            }
            if (path.StartsWith("/v2/fake/img/blobs/", StringComparison.Ordinal)
                && Digest.TryParse(path["/v2/fake/img/blobs/".Length..], out Digest blob) && Image.Blobs.TryGetValue(blob, out byte[]? bytes))
            {
                WriteBytes(context, bytes, context.Request.Headers["Range"]);
                return;
            }
            context.Response.StatusCode = 404;
            WriteJson(context, """{"errors":[{"code":"NAME_UNKNOWN","message":"not here"}]}""");
        }
        catch (Exception)
        {
            // The client went away; nothing to answer.
        }
        finally
        {
            try
            {
                context.Response.Close();
            }
            catch (Exception)
            {
            }
        }
    }

    public static void WriteJson(HttpListenerContext context, string json)
    {
        context.Response.ContentType = "application/json";
        WriteBytes(context, System.Text.Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Writes a body, honouring a <c>Range: bytes=N-</c> request with 206.</summary>
    public static void WriteBytes(HttpListenerContext context, byte[] bytes, string? range = null)
    {
        int offset = 0;
        if (range is not null && range.StartsWith("bytes=", StringComparison.Ordinal) && range.EndsWith('-'))
        {
            offset = int.Parse(range[6..^1], System.Globalization.CultureInfo.InvariantCulture);
            context.Response.StatusCode = 206;
            context.Response.Headers["Content-Range"] = $"bytes {offset}-{bytes.Length - 1}/{bytes.Length}";
        }
        context.Response.ContentLength64 = bytes.Length - offset;
        if (context.Request.HttpMethod != "HEAD")
        {
            context.Response.OutputStream.Write(bytes, offset, bytes.Length - offset);
        }
    }

    /// <summary>Sends the first <paramref name="count"/> bytes of a body declared longer, then breaks the connection.</summary>
    public static void WriteTruncated(HttpListenerContext context, byte[] bytes, int count)
    {
        context.Response.ContentLength64 = bytes.Length;
        context.Response.OutputStream.Write(bytes, 0, count);
        context.Response.OutputStream.Flush();
        context.Response.Abort();
    }

    public void Dispose()
    {
        _listener.Stop();
        _listener.Close();
    }
}
