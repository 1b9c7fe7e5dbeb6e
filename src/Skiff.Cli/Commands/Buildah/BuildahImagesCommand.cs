using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Buildah;

/// <summary>
/// <c>buildah images</c>: the same table as podman's, but Buildah's own <c>--json</c> shape and
/// template fields (<c>{{.Name}}</c>, <c>{{.CreatedAtRaw}}</c>, ...), which podman's lack.
/// </summary>
public static class BuildahImagesCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("images", "List images in local storage") { Usage = "[IMAGE]" };
        command.Aliases.Add("list-images");
        Option<bool> all = new("--all", "-a") { Description = "show all images, including intermediate images from a build" };
        Option<bool> digests = new("--digests") { Description = "show digests" };
        Option<string[]> filter = new("--filter", "-f") { Description = "filter output based on conditions provided" };
        Option<string?> format = new("--format") { Description = "pretty-print images using a Go template" };
        Option<bool> history = new("--history") { Description = "display the image name history" };
        Option<bool> json = new("--json") { Description = "output in JSON format" };
        Option<bool> noHeading = new("--noheading", "-n") { Description = "do not print column headings" };
        Option<bool> noTrunc = new("--no-trunc") { Description = "do not truncate output" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "display only image IDs" };
        Argument<string?> image = new("IMAGE") { Arity = ArgumentArity.ZeroOrOne };
        foreach (Option o in new Option[] { all, digests, filter, format, history, json, noHeading, noTrunc, quiet }) command.Options.Add(o);
        command.Arguments.Add(image);

        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var filters = (parseResult.GetValue(filter) ?? []).ToList();
            if (parseResult.GetValue(image) is { } name) filters.Add("reference=" + name);
            IReadOnlyList<ImageSummary> rows = engine.Images.List(new ImageListOptions { All = parseResult.GetValue(all), Filters = filters });
            bool trunc = !parseResult.GetValue(noTrunc);
            DateTimeOffset now = context.Time.GetUtcNow();

            if (parseResult.GetValue(json))
            {
                var list = new JsonArray([.. rows.DistinctBy(r => r.Id).Select(r => (JsonNode?)ToJson(r, trunc, now))]);
                JsonOutput.Write(context.Out, list);
                return Task.FromResult(0);
            }
            if (parseResult.GetValue(quiet))
            {
                foreach (string id in rows.Select(r => r.Id).Distinct()) context.Out.WriteLine(trunc ? id[..12] : "sha256:" + id);
                return Task.FromResult(0);
            }
            string template = parseResult.GetValue(format) ?? (parseResult.GetValue(digests)
                ? "table {{.Name}} {{.Tag}} {{.Digest}} {{.ID}} {{.CreatedAt}} {{.Size}}"
                : "table {{.Name}} {{.Tag}} {{.ID}} {{.CreatedAt}} {{.Size}}");
            var items = new JsonArray([.. rows.Select(r => (JsonNode?)ToTemplateNode(r, trunc, now))]);
            ReportFormatter.ForList("images", template).Render(context.Out, items, ReportFormatter.Headers(
                ["Name", "Tag", "Digest", "ID", "CreatedAt", "Size", "CreatedAtRaw", "ReadOnly", "History"],
                new Dictionary<string, string> { ["Name"] = "REPOSITORY", ["ID"] = "IMAGE ID", ["CreatedAt"] = "CREATED" }),
                parseResult.GetValue(noHeading));
            return Task.FromResult(0);
        });
        return command;
    }

    private static JsonObject ToTemplateNode(ImageSummary s, bool trunc, DateTimeOffset now) => new()
    {
        ["Name"] = s.Repository,
        ["Tag"] = s.Tag,
        ["ID"] = trunc ? s.Id[..12] : "sha256:" + s.Id,
        ["Digest"] = s.Digest.ToString(),
        ["CreatedAt"] = Humanize.Since(s.Created, now),
        ["Size"] = Humanize.Size(s.Size),
        ["CreatedAtRaw"] = ImageRows.GoTime(s.Created),
        ["ReadOnly"] = false,
        ["History"] = "<none>",
    };

    private static JsonObject ToJson(ImageSummary s, bool trunc, DateTimeOffset now) => new()
    {
        ["id"] = trunc ? s.Id[..12] : s.Id,
        ["names"] = s.Names.Count == 0 ? null : new JsonArray([.. s.Names.Select(n => (JsonNode?)n)]),
        ["digest"] = s.Digest.ToString(),
        ["createdat"] = Humanize.Since(s.Created, now),
        ["size"] = Humanize.Size(s.Size),
        ["created"] = s.Created.ToUnixTimeSeconds(),
        ["createdatraw"] = s.Created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'", CultureInfo.InvariantCulture),
        ["readonly"] = false,
        ["history"] = null,
    };
}
