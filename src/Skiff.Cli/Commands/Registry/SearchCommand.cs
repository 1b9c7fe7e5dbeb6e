using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Registry;

/// <summary><c>podman search</c>: registries without a search API are searched through /v2/_catalog.</summary>
public static class SearchCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("search", "Search registry for image") { Usage = "[options] TERM" };
        var flags = new RegistryFlags();
        Option<int> limit = new("--limit") { Description = "Limit the number of results", DefaultValueFactory = _ => 25 };
        Option<bool> listTags = new("--list-tags") { Description = "List the tags of the input registry" };
        Option<string?> format = new("--format") { Description = "Change the output format to JSON or a Go template" };
        Option<bool> noTrunc = new("--no-trunc") { Description = "Do not truncate the output" };
        Option<string[]> filter = new("--filter", "-f") { Description = "Filter output based on conditions provided (default [])" };
        Argument<string> term = new("TERM");
        flags.AddTo(command);
        foreach (Option o in new Option[] { limit, listTags, format, noTrunc, filter })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(term);
        command.SetHandler(async (parseResult, ct) =>
        {
            bool tags = parseResult.GetValue(listTags);
            IReadOnlyList<SearchResult> results = await ImageEngine.SearchAsync(parseResult.GetValue(term)!, flags.Read(parseResult),
                parseResult.GetValue(limit), tags, ct);
            var rows = new JsonArray();
            foreach (SearchResult r in results)
            {
                if (tags)
                {
                    foreach (string tag in (r.Tags ?? []).Take(parseResult.GetValue(limit)))
                    {
                        rows.Add((JsonNode)new JsonObject { ["Name"] = r.Name, ["Tag"] = tag });
                    }
                    continue;
                }
                rows.Add((JsonNode)new JsonObject
                {
                    ["Index"] = r.Index,
                    ["Name"] = r.Name,
                    ["Description"] = r.Description,
                    ["Stars"] = r.Stars,
                    ["Official"] = r.Official ? "[OK]" : "",
                    ["Automated"] = r.Automated ? "[OK]" : "",
                    ["Tag"] = "",
                });
            }
            ListOutput.Write(context.Out, new ListOutputOptions
            {
                Name = "search",
                DefaultFormat = tags ? "table {{.Name}}\t{{.Tag}}" : "table {{.Name}}\t{{.Description}}",
                Headers = ReportFormatter.Headers(["Index", "Name", "Description", "Stars", "Official", "Automated", "Tag"], new Dictionary<string, string>()),
                Format = parseResult.GetValue(format),
            }, rows);
            return 0;
        });
        return command;
    }
}
