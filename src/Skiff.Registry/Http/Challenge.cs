namespace Skiff.Registry.Http;

/// <summary>A parsed <c>WWW-Authenticate</c> challenge: scheme and its parameters (realm, service, scope, ...).</summary>
internal sealed record Challenge(string Scheme, IReadOnlyDictionary<string, string> Parameters)
{
    public string? Realm => Parameters.GetValueOrDefault("realm");
    public string? Service => Parameters.GetValueOrDefault("service");

    public bool IsBearer => Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase);
    public bool IsBasic => Scheme.Equals("Basic", StringComparison.OrdinalIgnoreCase);

    public static Challenge? From(HttpResponseMessage response)
    {
        Challenge? basic = null;
        foreach (var header in response.Headers.WwwAuthenticate)
        {
            var c = new Challenge(header.Scheme, ParseParameters(header.Parameter ?? ""));
            if (c.IsBearer)
            {
                return c;
            }
            if (c.IsBasic)
            {
                basic = c;
            }
        }
        return basic;
    }

    /// <summary>Parses <c>k="v", k2=v2</c>, where quoted values may hold commas and backslash escapes.</summary>
    public static Dictionary<string, string> ParseParameters(string text)
    {
        var result = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        int i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] is ' ' or ','))
            {
                i++;
            }
            int eq = text.IndexOf('=', i);
            if (eq < 0)
            {
                break;
            }
            string key = text[i..eq].Trim();
            i = eq + 1;
            var value = new System.Text.StringBuilder();
            if (i < text.Length && text[i] == '"')
            {
                i++;
                while (i < text.Length && text[i] != '"')
                {
                    if (text[i] == '\\' && i + 1 < text.Length)
                    {
                        i++;
                    }
                    value.Append(text[i++]);
                }
                i++;
            }
            else
            {
                while (i < text.Length && text[i] != ',')
                {
                    value.Append(text[i++]);
                }
            }
            if (key.Length > 0)
            {
                result[key] = value.ToString().Trim();
            }
        }
        return result;
    }
}
