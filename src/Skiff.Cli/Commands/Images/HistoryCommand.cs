using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman history</c>.</summary>
public static class HistoryCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("history", "Show history of a specified image");
        Option<bool> human = new("--human", "-H") { Description = "Display sizes and dates in human readable format", DefaultValueFactory = _ => true };
        Option<bool> noTrunc = new("--no-trunc") { Description = "Do not truncate the output" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Display the numeric IDs only" };
        Option<string?> format = new("--format") { Description = "Change the output to JSON or a Go template" };
        Argument<string> image = new("IMAGE");
        command.Options.Add(human);
        command.Options.Add(noTrunc);
        command.Options.Add(quiet);
        command.Options.Add(format);
        command.Arguments.Add(image);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<HistoryEntryReport> rows = engine.Images.History(parseResult.GetValue(image)!);
            bool trunc = !parseResult.GetValue(noTrunc);
            bool humanReadable = parseResult.GetValue(human);
            if (parseResult.GetValue(quiet))
            {
                foreach (HistoryEntryReport r in rows)
                {
                    context.Out.WriteLine(trunc && r.Id.Length == 64 ? r.Id[..12] : r.Id);
                }
                return Task.FromResult(0);
            }
            DateTimeOffset now = DateTimeOffset.UtcNow;
            string? fmt = parseResult.GetValue(format);
            var items = new JsonArray([.. rows.Select(r => (JsonNode?)new JsonObject
            {
                ["ID"] = trunc && r.Id.Length == 64 ? r.Id[..12] : r.Id,
                ["Created"] = r.Created is { } c ? (humanReadable ? Humanize.Since(c, now) : c.ToString("yyyy-MM-ddTHH:mm:ssZ")) : "",
                ["CreatedAt"] = r.Created is { } c2 ? ImageRows.GoTime(c2) : "",
                ["CreatedSince"] = r.Created is { } c3 ? Humanize.Since(c3, now) : "",
                ["CreatedBy"] = trunc && r.CreatedBy.Length > 45 ? r.CreatedBy[..42] + "..." : r.CreatedBy,
                ["Size"] = humanReadable ? Humanize.Size(r.Size) : r.Size.ToString(global::System.Globalization.CultureInfo.InvariantCulture),
                ["Comment"] = r.Comment,
                ["Tags"] = new JsonArray([.. r.Tags.Select(t => (JsonNode?)t)]),
            })]);
            if (ReportFormatter.IsJson(fmt))
            {
                JsonOutput.Write(context.Out, items);
                return Task.FromResult(0);
            }
            ReportFormatter.ForList("history", fmt ?? "table {{.ID}} {{.Created}} {{.CreatedBy}} {{.Size}} {{.Comment}}")
                .Render(context.Out, items, ReportFormatter.Headers(["ID", "Created", "CreatedBy", "Size", "Comment", "CreatedAt", "CreatedSince", "Tags"]));
            return Task.FromResult(0);
        });
        return command;
    }
}
