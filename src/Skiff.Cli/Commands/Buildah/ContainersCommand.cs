using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Build;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah containers</c>: Buildah's fixed-width table, <c>--json</c>, <c>-q</c>, <c>--format</c>.</summary>
public static class ContainersCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("containers", "List working containers and their base images");
        command.Aliases.Add("list");
        command.Aliases.Add("ls");
        command.Aliases.Add("ps");
        Option<bool> all = new("--all", "-a") { Description = "also list non-buildah containers" };
        Option<bool> json = new("--json") { Description = "output in JSON format" };
        Option<bool> noHeading = new("--noheading", "-n") { Description = "do not print column headings" };
        Option<bool> noTruncate = new("--notruncate") { Description = "do not truncate output" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "display only container IDs" };
        Option<string?> format = new("--format") { Description = "pretty-print containers using a Go template" };
        Option<string?> filter = new("--filter", "-f") { Description = "filter output based on conditions provided" };
        foreach (Option o in new Option[] { all, json, noHeading, noTruncate, quiet, format, filter })
        {
            command.Options.Add(o);
        }
        command.SetHandler((parseResult, _) =>
        {
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            IEnumerable<WorkingContainerSummary> rows = access.Build.List(parseResult.GetValue(all));
            if (parseResult.GetValue(filter) is { Length: > 0 } f)
            {
                rows = Filter(rows, f);
            }
            if (parseResult.GetValue(json))
            {
                var array = new JsonArray();
                foreach (WorkingContainerSummary r in rows)
                {
                    array.Add((JsonNode)new JsonObject
                    {
                        ["id"] = r.ContainerId,
                        ["builder"] = r.Builder,
                        ["imageid"] = r.ImageId,
                        ["imagename"] = r.ImageName,
                        ["containername"] = r.ContainerName,
                    });
                }
                JsonOutput.Write(context.Out, array, escapeHtml: true);
                return Task.FromResult(0);
            }
            if (parseResult.GetValue(format) is { Length: > 0 } template)
            {
                var items = new JsonArray();
                foreach (WorkingContainerSummary r in rows)
                {
                    items.Add((JsonNode)new JsonObject
                    {
                        ["ContainerID"] = r.ContainerId,
                        ["Builder"] = r.Builder ? "   *" : "",
                        ["ImageID"] = r.ImageId,
                        ["ImageName"] = r.ImageName,
                        ["ContainerName"] = r.ContainerName,
                    });
                }
                ReportFormatter.ForList("containers", template).Render(context.Out, items);
                return Task.FromResult(0);
            }
            bool truncate = !parseResult.GetValue(noTruncate);
            bool q = parseResult.GetValue(quiet);
            if (!parseResult.GetValue(noHeading) && !q)
            {
                context.Out.WriteLine(truncate
                    ? $"{"CONTAINER ID",-12}  {"BUILDER",-8} {"IMAGE ID",-12} {"IMAGE NAME",-32} CONTAINER NAME"
                    : $"{"CONTAINER ID",-64} {"BUILDER",-8} {"IMAGE ID",-64} {"IMAGE NAME",-32} CONTAINER NAME");
            }
            foreach (WorkingContainerSummary r in rows)
            {
                if (q)
                {
                    context.Out.WriteLine($"{r.ContainerId,-64}");
                    continue;
                }
                string builder = r.Builder ? "   *" : "";
                context.Out.WriteLine(truncate
                    ? string.Create(CultureInfo.InvariantCulture, $"{Cut(r.ContainerId, 12),-12}  {builder,-8} {Cut(r.ImageId, 12),-12} {Cut(r.ImageName, 32),-32} {r.ContainerName}")
                    : string.Create(CultureInfo.InvariantCulture, $"{r.ContainerId,-64} {builder,-8} {r.ImageId,-64} {r.ImageName,-32} {r.ContainerName}"));
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static string Cut(string s, int n) => s.Length <= n ? s : s[..n];

    private static IEnumerable<WorkingContainerSummary> Filter(IEnumerable<WorkingContainerSummary> rows, string filter)
    {
        foreach (string part in filter.Split(','))
        {
            string[] kv = part.Split('=', 2);
            if (kv.Length != 2)
            {
                throw new UsageException($"parsing filter: incorrect filter value \"{part}\", should be of form filter=value");
            }
            string value = kv[1];
            rows = kv[0].Trim() switch
            {
                "id" => rows.Where(r => r.ContainerId.StartsWith(value, StringComparison.Ordinal)).ToList(),
                "name" => rows.Where(r => r.ContainerName.Contains(value, StringComparison.Ordinal)).ToList(),
                "ancestor" => rows.Where(r => r.ImageId.StartsWith(value, StringComparison.Ordinal) || r.ImageName.Contains(value, StringComparison.Ordinal)).ToList(),
                _ => throw new UsageException($"parsing filter: invalid filter \"{kv[0]}\""),
            };
        }
        return rows;
    }
}
