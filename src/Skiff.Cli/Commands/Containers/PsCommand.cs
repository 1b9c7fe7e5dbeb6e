using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Containers;
using Skiff.Runtime;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman ps</c> / <c>podman container ls</c>.</summary>
public static class PsCommand
{
    public static Command Create(CommandContext context) => Create(context, "ps");

    public static Command Create(CommandContext context, string name)
    {
        var command = new VerbCommand(name, "List containers");
        if (name == "ls")
        {
            command.Aliases.Add("list");
            command.Aliases.Add("ps");
        }
        Option<bool> all = new("--all", "-a") { Description = "Show all the containers, default is only running containers" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Print the numeric IDs of the containers only" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Option<int?> last = new("--last", "-n") { Description = "Print the n last created containers (all states)" };
        Option<bool> noTrunc = new("--no-trunc") { Description = "Display the extended information" };
        Option<bool> noHeading = new("--noheading") { Description = "Do not print headers" };
        Option<bool> size = new("--size", "-s") { Description = "Display the total file sizes" };
        Option<string?> format = new("--format") { Description = "Pretty-print containers to JSON or using a Go template" };
        Option<string[]> filter = new("--filter", "-f") { Description = "Filter output based on conditions given" };
        Option<bool> external = new("--external") { Description = "Show containers in storage not controlled by Podman" };
        foreach (Option o in new Option[] { all, quiet, latest, last, noTrunc, noHeading, size, format, filter, external })
        {
            command.Options.Add(o);
        }
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<ContainerInfo> rows = engine.Containers.List(new ContainerListOptions
            {
                All = parseResult.GetValue(all) || parseResult.GetValue(last) is not null,
                Latest = parseResult.GetValue(latest),
                Filters = parseResult.GetValue(filter) ?? [],
            });
            if (parseResult.GetValue(last) is int n && n >= 0)
            {
                rows = rows.Take(n).ToList();
            }
            bool trunc = !parseResult.GetValue(noTrunc);
            if (parseResult.GetValue(quiet))
            {
                foreach (ContainerInfo c in rows)
                {
                    context.Out.WriteLine(trunc ? c.Record.Id[..12] : c.Record.Id);
                }
                return Task.FromResult(0);
            }
            DateTimeOffset now = context.Time.GetUtcNow();
            bool withSize = parseResult.GetValue(size);
            // Only one of the two shapes is printed: build just that one (ps over hundreds of containers).
            bool asJson = ReportFormatter.IsJson(parseResult.GetValue(format));
            var templateRows = new JsonArray();
            var json = new JsonArray();
            foreach (ContainerInfo c in rows)
            {
                JsonObject row = asJson ? JsonRow(c) : TemplateRow(c, trunc, now);
                if (withSize)
                {
                    ContainerSize s = engine.Containers.Size(c);
                    row["Size"] = asJson
                        ? new JsonObject { ["rwSize"] = s.RwSize, ["rootFsSize"] = s.RootFsSize }
                        : $"{Humanize.Size(s.RwSize).Replace(" ", "", StringComparison.Ordinal)} (virtual {Humanize.Size(s.RootFsSize).Replace(" ", "", StringComparison.Ordinal)})";
                }
                (asJson ? json : templateRows).Add((JsonNode)row);
            }
            string defaultFormat = withSize
                ? "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}\t{{.Size}}"
                : "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.CreatedHuman}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
            ListOutput.Write(context.Out, new ListOutputOptions
            {
                Name = "ps",
                DefaultFormat = defaultFormat,
                Headers = ReportFormatter.Headers(
                    ["ID", "Image", "Command", "CreatedHuman", "Status", "Ports", "Names", "Size", "Created", "CreatedAt", "Labels", "Mounts", "Networks", "Pid", "State", "Exited", "ExitCode", "ExitedAt", "StartedAt", "RunningFor", "ImageID", "Pod", "PodName", "AutoRemove"],
                    new Dictionary<string, string> { ["ID"] = "CONTAINER ID", ["CreatedHuman"] = "CREATED", ["Size"] = "SIZE", ["ImageID"] = "IMAGE ID", ["RunningFor"] = "CREATED" }),
                Format = parseResult.GetValue(format),
                NoHeading = parseResult.GetValue(noHeading),
                TypeName = "containers.psReporter",
            }, templateRows, json);
            return Task.FromResult(0);
        });
        return command;
    }

    public static string StatusText(ContainerStatus s, DateTimeOffset now) => s.State switch
    {
        ContainerState.Running => "Up " + Humanize.Since(s.StartedAt ?? now, now),
        ContainerState.Paused => "Paused",
        ContainerState.Exited or ContainerState.Stopped => $"Exited ({s.ExitCode}) {Humanize.Since(s.FinishedAt ?? now, now)}",
        ContainerState.Created when s.Pid > 0 => "Created",
        _ => "Created",
    };

    public static string PortsText(IEnumerable<PortMapping> ports) =>
        string.Join(", ", ports.Select(p => $"{(string.IsNullOrEmpty(p.HostIp) ? "0.0.0.0" : p.HostIp)}:{p.HostPort}->{p.ContainerPort}/{p.Protocol}"));

    private static IReadOnlyList<PortMapping> Ports(ContainerInfo c) =>
        c.Status.State is ContainerState.Running or ContainerState.Paused && c.Status.Ports is { } live ? live : c.Definition.Ports;

    private static JsonObject TemplateRow(ContainerInfo c, bool trunc, DateTimeOffset now)
    {
        string command = string.Join(' ', c.Definition.Args);
        if (trunc && command.Length > 20)
        {
            command = command[..17] + "...";
        }
        JsonObject row = JsonRow(c);
        row["ID"] = trunc ? c.Record.Id[..12] : c.Record.Id;
        row["Image"] = c.Definition.ImageName ?? "";
        row["Command"] = command;
        row["CreatedHuman"] = Humanize.Since(c.Definition.Created, now);
        row["RunningFor"] = Humanize.Since(c.Definition.Created, now);
        row["Status"] = StatusText(c.Status, now);
        row["Ports"] = PortsText(Ports(c));
        row["Names"] = c.Definition.Name;
        row["Size"] = "";
        row["Labels"] = string.Join(",", c.Definition.Labels.Select(kv => $"{kv.Key}={kv.Value}"));
        row["Networks"] = c.Definition.NetworkMode is "bridge" ? Skiff.Runtime.Network.NetworkManager.DefaultNetwork : c.Definition.NetworkMode;
        row["Mounts"] = string.Join(",", c.Definition.Mounts.Select(m => m.Destination));
        row["CreatedAt"] = c.Definition.Created.ToString("yyyy-MM-dd HH:mm:ss.fffffff zzz", CultureInfo.InvariantCulture);
        return row;
    }

    private static JsonObject JsonRow(ContainerInfo c)
    {
        ContainerStatus s = c.Status;
        var labels = new JsonObject();
        foreach ((string k, string v) in c.Definition.Labels)
        {
            labels[k] = v;
        }
        return new JsonObject
        {
            ["AutoRemove"] = c.Definition.AutoRemove,
            ["Command"] = new JsonArray([.. c.Definition.Args.Select(a => (JsonNode?)a)]),
            ["CreatedAt"] = Humanize.Since(c.Definition.Created, DateTimeOffset.UtcNow),
            ["Exited"] = s.State is ContainerState.Exited or ContainerState.Stopped,
            ["ExitedAt"] = s.FinishedAt?.ToUnixTimeSeconds() ?? -62135596800,
            ["ExitCode"] = s.ExitCode,
            ["Id"] = c.Record.Id,
            ["Image"] = c.Definition.ImageName ?? "",
            ["ImageID"] = c.Definition.ImageId ?? "",
            ["IsInfra"] = false,
            ["Labels"] = labels.Count == 0 ? null : labels,
            ["Mounts"] = new JsonArray([.. c.Definition.Mounts.Select(m => (JsonNode?)m.Destination)]),
            ["Names"] = new JsonArray(c.Definition.Name),
            ["Namespaces"] = new JsonObject(),
            ["Networks"] = new JsonArray([.. (c.Definition.NetworkMode is "bridge" ? [Skiff.Runtime.Network.NetworkManager.DefaultNetwork] : Array.Empty<string>()).Select(n => (JsonNode?)n)]),
            ["Pid"] = s.Pid,
            ["Pod"] = "",
            ["PodName"] = "",
            ["Ports"] = Ports(c).Count == 0 ? null : new JsonArray([.. Ports(c).Select(p => (JsonNode?)new JsonObject
            {
                ["host_ip"] = p.HostIp,
                ["container_port"] = p.ContainerPort,
                ["host_port"] = p.HostPort,
                ["range"] = p.Range,
                ["protocol"] = p.Protocol,
            })]),
            ["Size"] = null,
            ["StartedAt"] = s.StartedAt?.ToUnixTimeSeconds() ?? -62135596800,
            ["State"] = ContainerEngine.StatusWord(s),
            ["Status"] = "",
            ["Created"] = c.Definition.Created.ToUnixTimeSeconds(),
        };
    }
}
