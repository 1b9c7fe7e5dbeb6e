using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Runtime.Network;

namespace Skiff.Cli.Commands.Networks;

/// <summary><c>podman network ls|create|inspect|rm|exists</c> for bridge networks (netavark's JSON).</summary>
public static class NetworkGroup
{
    public static Command Create(CommandContext context)
    {
        var group = new VerbCommand("network", "Manage networks");
        group.Subcommands.Add(CreateList(context));
        group.Subcommands.Add(CreateCreate(context));
        group.Subcommands.Add(CreateInspect(context));
        group.Subcommands.Add(CreateRemove(context));
        group.Subcommands.Add(CreateExists(context));
        return group;
    }

    internal static JsonNode ToJson(NetworkConfig n) => JsonSerializer.SerializeToNode(n, NetworkJsonContext.Default.NetworkConfig)!;

    private static Command CreateList(CommandContext context)
    {
        var command = new VerbCommand("ls", "List networks");
        command.Aliases.Add("list");
        Option<string?> format = new("--format") { Description = "Pretty-print networks to JSON or using a Go template" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "display only names" };
        Option<bool> noTrunc = new("--no-trunc") { Description = "Do not truncate the network ID" };
        Option<bool> noHeading = new("--noheading") { Description = "Do not print headers" };
        foreach (Option o in new Option[] { format, quiet, noTrunc, noHeading })
        {
            command.Options.Add(o);
        }
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<NetworkConfig> networks = engine.Containers.Runtime.Networks.List();
            if (parseResult.GetValue(quiet))
            {
                foreach (NetworkConfig n in networks)
                {
                    context.Out.WriteLine(n.Name);
                }
                return Task.FromResult(0);
            }
            bool trunc = !parseResult.GetValue(noTrunc);
            var rows = new JsonArray([.. networks.Select(n =>
            {
                JsonObject o = ToJson(n).AsObject();
                o["ID"] = trunc ? n.Id[..12] : n.Id;
                o["Name"] = n.Name;
                o["Driver"] = n.Driver;
                return (JsonNode?)o;
            })]);
            ListOutput.Write(context.Out, new ListOutputOptions
            {
                Name = "networks",
                DefaultFormat = "table {{.ID}}\t{{.Name}}\t{{.Driver}}",
                Headers = ReportFormatter.Headers(["ID", "Name", "Driver"], new Dictionary<string, string> { ["ID"] = "NETWORK ID" }),
                Format = parseResult.GetValue(format),
                NoHeading = parseResult.GetValue(noHeading),
            }, rows, new JsonArray([.. networks.Select(n => (JsonNode?)ToJson(n))]));
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateCreate(CommandContext context)
    {
        var command = new VerbCommand("create", "Create networks for containers and pods") { Usage = "[options] [NAME]" };
        Option<string?> subnet = new("--subnet") { Description = "subnets in CIDR format" };
        Option<string?> gateway = new("--gateway") { Description = "IPv4 or IPv6 gateway for the subnet" };
        Option<bool> @internal = new("--internal") { Description = "restrict external access from this network" };
        Option<bool> disableDns = new("--disable-dns") { Description = "disable dns plugin" };
        Option<string?> driver = new("--driver", "-d") { Description = "driver to manage the network" };
        Option<string[]> label = new("--label") { Description = "set metadata on a network" };
        Argument<string?> name = new("NAME") { Arity = ArgumentArity.ZeroOrOne };
        foreach (Option o in new Option[] { subnet, gateway, @internal, disableDns, driver, label })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(name);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            if (parseResult.GetValue(driver) is { } d && d != "bridge")
            {
                throw new UsageException($"unsupported driver {d}: only bridge");
            }
            NetworkManager networks = engine.Containers.Runtime.Networks;
            string n = parseResult.GetValue(name) ?? Enumerable.Range(1, 1000).Select(i => $"skiff{i}").First(x => networks.Find(x) is null);
            var labels = (parseResult.GetValue(label) ?? []).Select(l => l.Split('=', 2)).ToDictionary(p => p[0], p => p.Length > 1 ? p[1] : "");
            NetworkConfig created = networks.Create(n, parseResult.GetValue(subnet), parseResult.GetValue(gateway), parseResult.GetValue(@internal),
                !parseResult.GetValue(disableDns), labels.Count > 0 ? labels : null);
            context.Out.WriteLine(created.Name);
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateInspect(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Displays the raw network configuration for one or more networks") { Usage = "[options] NETWORK [NETWORK...]" };
        Option<string?> format = new("--format", "-f") { Description = "Pretty-print network to JSON or using a Go template" };
        Argument<string[]> names = new("NETWORK") { Arity = ArgumentArity.OneOrMore };
        command.Options.Add(format);
        command.Arguments.Add(names);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var items = new JsonArray();
            string? missing = null;
            foreach (string n in parseResult.GetValue(names) ?? [])
            {
                if (engine.Containers.Runtime.Networks.Find(n) is { } net)
                {
                    items.Add(ToJson(net));
                }
                else
                {
                    missing = n;
                }
            }
            InspectOutput.Write(context.Out, items, parseResult.GetValue(format));
            if (missing is not null)
            {
                throw new Skiff.Runtime.RuntimeException($"unable to find network with name or ID {missing}: network not found");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static Command CreateRemove(CommandContext context)
    {
        var command = new VerbCommand("rm", "Remove networks") { Usage = "[options] NETWORK [NETWORK...]" };
        Option<bool> force = new("--force", "-f") { Description = "remove any containers using network" };
        Argument<string[]> names = new("NETWORK") { Arity = ArgumentArity.OneOrMore };
        command.Options.Add(force);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            foreach (string n in parseResult.GetValue(names) ?? [])
            {
                var users = engine.Containers.Runtime.List().Where(c => c.Definition.NetworkMode == n).ToList();
                if (users.Count > 0 && !parseResult.GetValue(force))
                {
                    throw new Skiff.Runtime.RuntimeException($"\"{n}\" has associated containers with it. Use -f to forcibly delete containers and pods: network is being used");
                }
                foreach (var u in users)
                {
                    await engine.Containers.Runtime.RemoveAsync(u.Record.Id, force: true, timeout: 0, cancellationToken: cancellationToken);
                }
                engine.Containers.Runtime.Networks.Remove(n);
                context.Out.WriteLine(n);
            }
            return 0;
        });
        return command;
    }

    private static Command CreateExists(CommandContext context)
    {
        var command = new VerbCommand("exists", "network exists") { Usage = "NETWORK" };
        Argument<string> name = new("NETWORK");
        command.Arguments.Add(name);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            return Task.FromResult(engine.Containers.Runtime.Networks.Find(parseResult.GetValue(name)!) is null ? 1 : 0);
        });
        return command;
    }
}
