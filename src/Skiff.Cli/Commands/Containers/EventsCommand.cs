using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Containers;
using Skiff.Runtime.Events;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman events</c>: the store's event log as text lines, JSON lines or a Go template per event.</summary>
public static class EventsCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("events", "Show podman system events");
        Option<string[]> filter = new("--filter", "-f") { Description = "filter output" };
        Option<string?> format = new("--format") { Description = "format the output using a Go template" };
        Option<bool> noTrunc = new("--no-trunc") { Description = "do not truncate the output", DefaultValueFactory = _ => true };
        Option<string?> since = new("--since") { Description = "show all events created since timestamp" };
        Option<string?> until = new("--until") { Description = "show all events until timestamp" };
        Option<bool> stream = new("--stream") { Description = "stream events and do not exit when returning the last known event", DefaultValueFactory = _ => true };
        foreach (Option o in new Option[] { filter, format, noTrunc, since, until, stream })
        {
            command.Options.Add(o);
        }
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            DateTimeOffset now = context.Time.GetUtcNow();
            var options = new EventsOptions
            {
                Filters = parseResult.GetValue(filter) ?? [],
                Since = LogsCommand.ParseTime(parseResult.GetValue(since), now),
                Until = LogsCommand.ParseTime(parseResult.GetValue(until), now),
                Stream = parseResult.GetValue(stream),
            };
            string? fmt = parseResult.GetValue(format);
            bool json = ReportFormatter.IsJson(fmt);
            ReportFormatter? template = string.IsNullOrEmpty(fmt) || json ? null : ReportFormatter.ForItem("events", fmt);
            bool trunc = !parseResult.GetValue(noTrunc);
            try
            {
                await foreach (EngineEvent e in engine.Containers.EventsAsync(options, cancellationToken))
                {
                    if (json)
                    {
                        JsonOutput.Write(context.Out, JsonRow(e), indented: false, escapeHtml: true);
                    }
                    else if (template is not null)
                    {
                        template.RenderItem(context.Out, TemplateRow(e));
                    }
                    else
                    {
                        string line = EventLog.Text(e);
                        context.Out.WriteLine(trunc && e.Id is { Length: 64 } id ? line.Replace(id, id[..12], StringComparison.Ordinal) : line);
                    }
                    context.Out.Flush();
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
            }
            return 0;
        });
        return command;
    }

    private static string GoTime(DateTime t) =>
        t.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff", CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.') + "Z";

    private static JsonObject JsonRow(EngineEvent e)
    {
        var row = new JsonObject();
        if (e.Id is not null)
        {
            row["ID"] = e.Id;
        }
        if (e.Type == "container")
        {
            row["Image"] = e.Image;
        }
        row["Name"] = e.Name;
        row["Status"] = e.Status;
        row["Time"] = GoTime(e.Time);
        row["Type"] = e.Type;
        if (e.ContainerExitCode is int code)
        {
            row["ContainerExitCode"] = code;
        }
        row["Attributes"] = e.Type == "container" ? Attributes(e) : null;
        return row;
    }

    private static JsonObject Attributes(EngineEvent e)
    {
        var attrs = new JsonObject();
        foreach ((string k, string v) in e.Attributes ?? [])
        {
            attrs[k] = v;
        }
        return attrs;
    }

    private static JsonObject TemplateRow(EngineEvent e) => new()
    {
        ["ID"] = e.Id ?? "",
        ["Image"] = e.Image ?? "",
        ["Name"] = e.Name ?? "",
        ["Status"] = e.Status,
        ["Type"] = e.Type,
        ["Time"] = EventLog.Text(e)[..EventLog.Text(e).IndexOf(" UTC", StringComparison.Ordinal)] + " UTC",
        ["TimeNano"] = new DateTimeOffset(e.Time).ToUnixTimeMilliseconds() * 1_000_000,
        ["ContainerExitCode"] = e.ContainerExitCode ?? 0,
        ["Attributes"] = Attributes(e),
    };
}
