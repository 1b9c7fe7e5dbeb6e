using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Output;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Images;

/// <summary>The fields podman's image templates see ({{.Repository}}, {{.ID}}, {{.Created}}, ...).</summary>
internal static class ImageRows
{
    public static JsonObject ToTemplateNode(ImageSummary s, bool noTrunc, DateTimeOffset now) => new()
    {
        ["ID"] = noTrunc ? "sha256:" + s.Id : s.Id[..12],
        ["Id"] = s.Id,
        ["Repository"] = s.Repository,
        ["Tag"] = s.Tag,
        ["Digest"] = s.Digest.ToString(),
        ["Created"] = Humanize.Since(s.Created, now),
        ["CreatedSince"] = Humanize.Since(s.Created, now),
        ["CreatedAt"] = GoTime(s.Created),
        ["CreatedTime"] = GoTime(s.Created),
        ["Size"] = Humanize.Size(s.Size),
        ["VirtualSize"] = Humanize.Size(s.Size),
        ["SharedSize"] = Humanize.Size(0),
        ["Dangling"] = s.Dangling,
        ["ReadOnly"] = false,
        ["IsReadOnly"] = false,
        ["Containers"] = s.Containers,
        ["Names"] = new JsonArray([.. s.Names.Select(n => (JsonNode?)n)]),
        ["RepoDigests"] = new JsonArray([.. s.RepoDigests.Select(n => (JsonNode?)n)]),
        ["Labels"] = s.Labels is null ? null : new JsonObject(s.Labels.Select(kv => KeyValuePair.Create(kv.Key, (JsonNode?)kv.Value))),
    };

    /// <summary>Go's time.Time String() for UTC: "2006-01-02 15:04:05.999999999 +0000 UTC" without trailing zeros.</summary>
    public static string GoTime(DateTimeOffset t)
    {
        DateTimeOffset u = t.ToUniversalTime();
        string frac = u.ToString("fffffff", CultureInfo.InvariantCulture).TrimEnd('0');
        return u.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture) + (frac.Length > 0 ? "." + frac : "") + " +0000 UTC";
    }
}
