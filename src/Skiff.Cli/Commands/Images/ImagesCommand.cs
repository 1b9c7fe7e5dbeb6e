using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman images</c> / <c>podman image ls</c>.</summary>
public static class ImagesCommand
{
    public static Command Create(CommandContext context) => Create(context, "images");

    public static Command Create(CommandContext context, string name)
    {
        var command = new VerbCommand(name, "List images in local storage");
        if (name == "ls")
        {
            command.Aliases.Add("list");
        }
        Option<bool> all = new("--all", "-a") { Description = "Show all images (default hides intermediate images)" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Display only image IDs" };
        Option<bool> noTrunc = new("--no-trunc") { Description = "Do not truncate output" };
        Option<bool> digests = new("--digests") { Description = "Show digests" };
        Option<bool> noHeading = new("--noheading", "-n") { Description = "Do not print column headings" };
        Option<string?> format = new("--format") { Description = "Change the output format to JSON or a Go template" };
        Option<string[]> filter = new("--filter", "-f") { Description = "Filter output based on conditions provided" };
        Option<string?> sort = new("--sort") { Description = "Sort by created, id, repository, size or tag" };
        Argument<string?> reference = new("REFERENCE") { Arity = ArgumentArity.ZeroOrOne };
        command.Options.Add(all);
        command.Options.Add(quiet);
        command.Options.Add(noTrunc);
        command.Options.Add(digests);
        command.Options.Add(noHeading);
        command.Options.Add(format);
        command.Options.Add(filter);
        command.Options.Add(sort);
        command.Arguments.Add(reference);

        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var filters = (parseResult.GetValue(filter) ?? []).ToList();
            if (parseResult.GetValue(reference) is { } r)
            {
                filters.Add("reference=" + r);
            }
            IReadOnlyList<ImageSummary> rows = engine.Images.List(new ImageListOptions { All = parseResult.GetValue(all), Filters = filters });
            rows = Sort(rows, parseResult.GetValue(sort));
            string? fmt = parseResult.GetValue(format);
            bool trunc = !parseResult.GetValue(noTrunc);

            if (ReportFormatter.IsJson(fmt))
            {
                JsonOutput.Write(context.Out, JsonSerializer.SerializeToNode(ToJson(engine.Images, rows), EngineJsonContext.Default.ListImageListJson));
                return Task.FromResult(0);
            }
            if (parseResult.GetValue(quiet))
            {
                foreach (string id in rows.Select(x => x.Id).Distinct())
                {
                    context.Out.WriteLine(trunc ? id[..12] : "sha256:" + id);
                }
                return Task.FromResult(0);
            }
            string template = fmt ?? (parseResult.GetValue(digests)
                ? "table {{.Repository}} {{.Tag}} {{.Digest}} {{.ID}} {{.Created}} {{.Size}}"
                : "table {{.Repository}} {{.Tag}} {{.ID}} {{.Created}} {{.Size}}");
            DateTimeOffset now = DateTimeOffset.UtcNow;
            var items = new JsonArray([.. rows.Select(x => (JsonNode?)ImageRows.ToTemplateNode(x, !trunc, now))]);
            ReportFormatter formatter = ReportFormatter.ForList("images", template);
            formatter.Render(context.Out, items, ReportFormatter.Headers(
                ["Repository", "Tag", "Digest", "ID", "Created", "Size", "CreatedAt", "CreatedSince"],
                new Dictionary<string, string> { ["ID"] = "IMAGE ID" }), parseResult.GetValue(noHeading));
            return Task.FromResult(0);
        });
        return command;
    }

    private static IReadOnlyList<ImageSummary> Sort(IReadOnlyList<ImageSummary> rows, string? by) => by switch
    {
        null or "" or "created" => rows,
        "id" => [.. rows.OrderBy(r => r.Id, StringComparer.Ordinal)],
        "repository" => [.. rows.OrderBy(r => r.Repository, StringComparer.Ordinal)],
        "tag" => [.. rows.OrderBy(r => r.Tag, StringComparer.Ordinal)],
        "size" => [.. rows.OrderBy(r => r.Size)],
        _ => throw new UsageException($"\"{by}\" is not a valid option for --sort: choose created, id, repository, size or tag"),
    };

    private static List<ImageListJson> ToJson(ImageEngine images, IReadOnlyList<ImageSummary> rows) =>
        rows.DistinctBy(r => r.Id).Select(r => new ImageListJson
        {
            Id = r.Id,
            RepoDigests = [.. r.RepoDigests],
            Size = r.Size,
            VirtualSize = r.Size,
            Labels = r.Labels?.ToDictionary(),
            Containers = r.Containers,
            Names = [.. r.Names],
            Digest = r.Digest.ToString(),
            History = [.. r.Names],
            Created = r.Created.ToUnixTimeSeconds(),
            CreatedAt = r.Created.ToUniversalTime().ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", global::System.Globalization.CultureInfo.InvariantCulture),
        }).ToList();
}
