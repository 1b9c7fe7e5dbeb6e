using System.Net;

namespace Skiff.Registry.Http;

/// <summary>
/// Follows redirects itself (the socket handler's own following is off) so that a redirect is a new request built
/// from scratch: it carries Accept and Range, never the Authorization of the original, and the auth handler below
/// adds credentials only when the new host is the registry's.
/// </summary>
internal sealed class RedirectHandler : DelegatingHandler
{
    private const int MaxRedirects = 10;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        HttpResponseMessage response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
        HttpRequestMessage current = request;
        for (int hop = 0; IsRedirect(response.StatusCode) && response.Headers.Location is { } location; hop++)
        {
            if (hop >= MaxRedirects)
            {
                response.Dispose();
                throw new HttpRequestException($"more than {MaxRedirects} redirects from {request.RequestUri}");
            }
            Uri target = location.IsAbsoluteUri ? location : new Uri(current.RequestUri!, location);
            if (target.Scheme is not ("http" or "https"))
            {
                return response;
            }
            if (current.RequestUri!.Scheme == "https" && target.Scheme == "http")
            {
                response.Dispose();
                throw new HttpRequestException($"refusing a redirect from {current.RequestUri.GetLeftPart(UriPartial.Authority)} to plain http at {target.GetLeftPart(UriPartial.Authority)}");
            }
            bool keepMethod = response.StatusCode is HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
            HttpMethod method = keepMethod || current.Method == HttpMethod.Head ? current.Method : HttpMethod.Get;
            if (method != HttpMethod.Get && method != HttpMethod.Head && current.Content is not null && !RequestScope.CanResend(current))
            {
                return response;
            }
            var next = new HttpRequestMessage(method, target) { Version = current.Version };
            foreach (var h in current.Headers.Accept)
            {
                next.Headers.Accept.Add(h);
            }
            if (current.Headers.Range is { } range)
            {
                next.Headers.Range = range;
            }
            next.Headers.UserAgent.Clear();
            foreach (var ua in current.Headers.UserAgent)
            {
                next.Headers.UserAgent.Add(ua);
            }
            if (keepMethod && current.Content is not null)
            {
                next.Content = current.Content;
            }
            foreach (var option in current.Options)
            {
                ((IDictionary<string, object?>)next.Options)[option.Key] = option.Value;
            }
            response.Dispose();
            response = await base.SendAsync(next, cancellationToken).ConfigureAwait(false);
            current = next;
        }
        return response;
    }

    private static bool IsRedirect(HttpStatusCode s) =>
        s is HttpStatusCode.MovedPermanently or HttpStatusCode.Found or HttpStatusCode.SeeOther
            or HttpStatusCode.TemporaryRedirect or HttpStatusCode.PermanentRedirect;
}
