namespace Skiff.Registry.Http;

/// <summary>Per-request facts the handlers read: the token scope it needs and whether its body can be sent again.</summary>
internal static class RequestScope
{
    public static readonly HttpRequestOptionsKey<string> Scope = new("skiff.scope");

    /// <summary>Set on requests whose content is a stream that can be read once: such requests are never resent.</summary>
    public static readonly HttpRequestOptionsKey<bool> OneShot = new("skiff.oneshot");

    public static string Pull(string repository) => $"repository:{repository}:pull";

    public static string Push(string repository) => $"repository:{repository}:pull,push";

    public static string Delete(string repository) => $"repository:{repository}:delete";

    public static bool CanResend(HttpRequestMessage request) =>
        !(request.Options.TryGetValue(OneShot, out bool oneShot) && oneShot);

    /// <summary>host[:port] of a URI as references spell it (port only when not the scheme's default).</summary>
    public static string Authority(Uri uri) => uri.IsDefaultPort ? uri.Host : $"{uri.Host}:{uri.Port}";
}
