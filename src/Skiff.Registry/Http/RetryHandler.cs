using System.Net;
using System.Security.Authentication;

namespace Skiff.Registry.Http;

/// <summary>
/// Retries 429, 5xx (except 501) and broken connections with doubling back-off (a Retry-After header wins, capped),
/// for requests whose body can be sent again.
/// </summary>
internal sealed class RetryHandler(int maxAttempts, TimeSpan firstDelay) : DelegatingHandler
{
    private static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(10);

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        TimeSpan delay = firstDelay;
        for (int attempt = 1; ; attempt++)
        {
            bool last = attempt >= maxAttempts || !RequestScope.CanResend(request);
            HttpResponseMessage response;
            try
            {
                response = await base.SendAsync(request, cancellationToken).ConfigureAwait(false);
            }
            catch (HttpRequestException e) when (!last && IsTransient(e))
            {
                await Task.Delay(delay, cancellationToken).ConfigureAwait(false);
                delay = Next(delay);
                continue;
            }
            if (last || !IsRetryable(response.StatusCode))
            {
                return response;
            }
            TimeSpan wait = RetryAfter(response) ?? delay;
            response.Dispose();
            await Task.Delay(wait < MaxDelay ? wait : MaxDelay, cancellationToken).ConfigureAwait(false);
            delay = Next(delay);
        }
    }

    private static TimeSpan Next(TimeSpan d) => d * 2 < MaxDelay ? d * 2 : MaxDelay;

    public static bool IsRetryable(HttpStatusCode status) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout;

    // A certificate that fails verification fails the same way next time.
    private static bool IsTransient(HttpRequestException e) => e.InnerException is not AuthenticationException;

    private static TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        if (response.Headers.RetryAfter is not { } ra)
        {
            return null;
        }
        if (ra.Delta is { } delta)
        {
            return delta;
        }
        return ra.Date is { } date ? date - DateTimeOffset.UtcNow : null;
    }
}
