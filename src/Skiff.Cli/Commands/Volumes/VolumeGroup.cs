using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Runtime.Volumes;

namespace Skiff.Cli.Commands.Volumes;

/// <summary><c>podman volume create|ls|inspect|rm|prune|exists</c>.</summary>
public static class VolumeGroup
{
    public static Command Create(CommandContext context)
    {
        var group = new VerbCommand("volume", "Manage volumes");
        group.Subcommands.Add(CreateCreate(context));
        group.Subcommands.Add(CreateList(context));
        group.Subcommands.Add(CreateInspect(context));
        group.Subcommands.Add(CreateRemove(context));
        group.Subcommands.Add(CreatePrune(context));
        group.Subcommands.Add(CreateExists(context));
        return group;
    }

    internal static JsonObject Json(VolumeRecord v, int mountCount) => new()
    {
        ["Name"] = v.Name,
        ["Driver"] = v.Driver,
        ["Mountpoint"] = v.Mountpoint,
        ["CreatedAt"] = v.CreatedAt.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffffzzz", CultureInfo.InvariantCulture),
        ["Labels"] = new JsonObject([.. v.Labels.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))]),
        ["Scope"] = "local",
        ["Options"] = new JsonObject([.. v.Options.Select(kv => new KeyValuePair<string, JsonNode?>(kv.Key, kv.Value))]),
        ["MountCount"] = mountCount,
        ["NeedsCopyUp"] = true,
        ["NeedsChown"] = true,
    };

    private static Command CreateCreate(CommandContext context)
    {
        var command = new VerbCommand("create", "Create a new volume") { Usage = "[options] [NAME]" };
        Option<string[]> label = new("--label", "-l") { Description = "Set metadata for a volume (default [])" };
        Option<string?> driver = new("--driver", "-d") { Description = "Specify volume driver name" };
        Option<string[]> opt = new("--opt", "-o") { Description = "Set driver specific options (default [])" };
        Option<bool> ignore = new("--ignore") { Description = "Don't fail if volume already exists" };
        Argument<string?> name = new("NAME") { Arity = ArgumentArity.ZeroOrOne };
        foreach (Option o in new Option[] { label, driver, opt, ignore })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(name);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            if (parseResult.GetValue(driver) is { } d && d != "local")
            {
                throw new UsageException($"volume driver {d} is not supported: only local");
            }
            var labels = (parseResult.GetValue(label) ?? []).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
            VolumeRecord v = await engine.Containers.Runtime.Volumes.CreateAsync(parseResult.GetValue(name), labels, parseResult.GetValue(ignore), cancellationToken: cancellationToken);
            context.Out.WriteLine(v.Name);
            return 0;
        });
        return command;
    }

    private static Command CreateList(CommandContext context)
    {
        var command = new VerbCommand("ls", "List volumes");
        command.Aliases.Add("list");
        Option<string?> format = new("--format") { Description = "Format volume output using Go template" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Print volume output in quiet mode" };
        Option<bool> noHeading = new("--noheading", "-n") { Description = "Do not print headers" };
        Option<string[]> filter = new("--filter", "-f") { Description = "Filter volume output" };
        foreach (Option o in new Option[] { format, quiet, noHeading, filter })
        {
            command.Options.Add(o);
        }
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            VolumeManager volumes = engine.Containers.Runtime.Volumes;
            IEnumerable<VolumeRecord> list = volumes.List();
            foreach (string f in parseResult.GetValue(filter) ?? [])
            {
                string[] kv = f.Split('=', 2);
                list = kv[0] switch
                {
                    "name" => list.Where(v => v.Name.Contains(kv[1], StringComparison.Ordinal)),
                    "label" => list.Where(v => kv[1].Split('=', 2) is { } l && v.Labels.TryGetValue(l[0], out string? val) && (l.Length == 1 || val == l[1])),
                    "dangling" => list.Where(v => (volumes.Users(v.Name).Count == 0) == (kv[1] is "true" or "1")),
                    "driver" => list.Where(v => v.Driver == kv[1]),
                    _ => throw new UsageException($"{kv[0]} is an invalid filter"),
                };
            }
            if (parseResult.GetValue(quiet))
            {
                foreach (VolumeRecord v in list)
                {
                    context.Out.WriteLine(v.Name);
                }
                return Task.FromResult(0);
            }
            var rows = new JsonArray([.. list.Select(v => (JsonNode?)Json(v, 0))]);
            ListOutput.Write(context.Out, new ListOutputOptions
            {
                Name = "volumes",
                DefaultFormat = "table {{.Driver}}\t{{.Name}}",
                Headers = ReportFormatter.Headers(["Driver", "Name", "Mountpoint", "Scope", "CreatedAt", "Labels", "Options"], new Dictionary<string, string> { ["Name"] = "VOLUME NAME" }),
                Format = parseResult.GetValue(format),
                NoHeading = parseResult.GetValue(noHeading),
            }, rows);
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateInspect(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Display detailed information on one or more volumes") { Usage = "[options] VOLUME [VOLUME...]" };
        Option<string?> format = new("--format", "-f") { Description = "Format volume output using Go template" };
        Option<bool> all = new("--all", "-a") { Description = "Inspect all volumes" };
        Argument<string[]> names = new("VOLUME") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(format);
        command.Options.Add(all);
        command.Arguments.Add(names);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            VolumeManager volumes = engine.Containers.Runtime.Volumes;
            IEnumerable<string> targets = parseResult.GetValue(all) ? volumes.List().Select(v => v.Name) : parseResult.GetValue(names) ?? [];
            var items = new JsonArray();
            string? missing = null;
            foreach (string n in targets)
            {
                if (volumes.Find(n) is { } v)
                {
                    items.Add((JsonNode)Json(v, 0));
                }
                else
                {
                    missing = n;
                }
            }
            InspectOutput.Write(context.Out, items, parseResult.GetValue(format));
            if (missing is not null)
            {
                throw new Skiff.Runtime.RuntimeException($"no such volume {missing}");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateRemove(CommandContext context)
    {
        var command = new VerbCommand("rm", "Remove one or more volumes") { Usage = "[options] VOLUME [VOLUME...]" };
        command.Aliases.Add("remove");
        Option<bool> force = new("--force", "-f") { Description = "Remove a volume by force, even if it is being used by a container" };
        Option<bool> all = new("--all", "-a") { Description = "Remove all volumes" };
        Argument<string[]> names = new("VOLUME") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(force);
        command.Options.Add(all);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            VolumeManager volumes = engine.Containers.Runtime.Volumes;
            IEnumerable<string> targets = parseResult.GetValue(all) ? volumes.List().Select(v => v.Name).ToList() : parseResult.GetValue(names) ?? [];
            bool forced = parseResult.GetValue(force);
            foreach (string n in targets)
            {
                if (forced)
                {
                    foreach (Skiff.Runtime.ContainerDefinition user in volumes.Users(n))
                    {
                        await engine.Containers.Runtime.RemoveAsync(user.Id, force: true, timeout: 0, cancellationToken: cancellationToken);
                    }
                }
                await volumes.RemoveAsync(n, forced, cancellationToken);
                context.Out.WriteLine(n);
            }
            return 0;
        });
        return command;
    }

    private static Command CreatePrune(CommandContext context)
    {
        var command = new VerbCommand("prune", "Remove all unused volumes");
        Option<bool> force = new("--force", "-f") { Description = "Do not prompt for confirmation" };
        command.Options.Add(force);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            VolumeManager volumes = engine.Containers.Runtime.Volumes;
            foreach (VolumeRecord v in volumes.List().Where(v => volumes.Users(v.Name).Count == 0))
            {
                await volumes.RemoveAsync(v.Name, force: false, cancellationToken);
                context.Out.WriteLine(v.Name);
            }
            return 0;
        });
        return command;
    }

    private static Command CreateExists(CommandContext context)
    {
        var command = new VerbCommand("exists", "Check if volume exists") { Usage = "VOLUME" };
        Argument<string> name = new("VOLUME");
        command.Arguments.Add(name);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            return Task.FromResult(engine.Containers.Runtime.Volumes.Find(parseResult.GetValue(name)!) is null ? 1 : 0);
        });
        return command;
    }
}
