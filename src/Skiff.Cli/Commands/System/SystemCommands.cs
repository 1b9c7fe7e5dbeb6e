using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine;
using Skiff.Storage;

namespace Skiff.Cli.Commands.System;

/// <summary><c>podman system df|check|reset</c>.</summary>
public static class SystemCommands
{
    public static Command Create(CommandContext context)
    {
        var group = new VerbCommand("system", "Manage podman");
        group.Subcommands.Add(CreateDf(context));
        group.Subcommands.Add(CreateCheck(context));
        group.Subcommands.Add(CreateReset(context));
        group.Subcommands.Add(InfoCommand.Create(context));
        return group;
    }

    private static Command CreateDf(CommandContext context)
    {
        var command = new VerbCommand("df", "Show podman disk usage");
        Option<string?> format = new("--format") { Description = "Pretty-print images using a Go template" };
        command.Options.Add(format);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var items = new JsonArray();
            foreach (DiskUsageRow row in engine.System.DiskUsage())
            {
                long pct = row.Size == 0 ? 0 : row.Reclaimable * 100 / row.Size;
                items.Add((JsonNode)new JsonObject
                {
                    ["Type"] = row.Type,
                    ["Total"] = row.Total,
                    ["Active"] = row.Active,
                    ["Size"] = Humanize.Size(row.Size),
                    ["Reclaimable"] = $"{Humanize.Size(row.Reclaimable)} ({pct}%)",
                });
            }
            string? fmt = parseResult.GetValue(format);
            if (ReportFormatter.IsJson(fmt))
            {
                JsonOutput.Write(context.Out, items);
                return Task.FromResult(0);
            }
            ReportFormatter.ForList("df", fmt ?? "table {{.Type}} {{.Total}} {{.Active}} {{.Size}} {{.Reclaimable}}")
                .Render(context.Out, items, ReportFormatter.Headers(["Type", "Total", "Active", "Size", "Reclaimable"]));
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateCheck(CommandContext context)
    {
        var command = new VerbCommand("check", "Check storage consistency");
        Option<bool> repair = new("--repair", "-r") { Description = "Remove inconsistent images and layers" };
        Option<bool> quick = new("--quick", "-q") { Description = "Skip time-consuming checks" };
        command.Options.Add(repair);
        command.Options.Add(quick);
        command.SetHandler(async (parseResult, ct) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            bool fix = parseResult.GetValue(repair);
            CheckReport report = await engine.System.CheckAsync(fix, ct);
            foreach (CheckProblem p in report.Problems)
            {
                context.Out.WriteLine($"{p.Kind} {p.Id}: {p.Description}");
            }
            foreach (string removed in report.Removed)
            {
                context.Out.WriteLine("Removed: " + removed);
            }
            if (report.Problems.Count > 0 && !fix)
            {
                throw new ExitCodeException(125, $"{report.Problems.Count} problem(s) found in the store; run `{context.ProgramName} system check --repair` to remove what is damaged");
            }
            return 0;
        });
        return command;
    }

    private static Command CreateReset(CommandContext context)
    {
        var command = new VerbCommand("reset", "Reset podman storage");
        Option<bool> force = new("--force", "-f") { Description = "Do not prompt for confirmation" };
        command.Options.Add(force);
        command.SetHandler(async (parseResult, ct) =>
        {
            if (!parseResult.GetValue(force))
            {
                context.Err.Write("WARNING! This will remove:\n        - all containers\n        - all images\n        - all build cache\nAre you sure you want to continue? [y/N] ");
                string? answer = context.In.ReadLine();
                if (answer is null || !answer.Trim().StartsWith('y'))
                {
                    return 0;
                }
            }
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            await engine.System.ResetAsync(ct);
            return 0;
        });
        return command;
    }
}
