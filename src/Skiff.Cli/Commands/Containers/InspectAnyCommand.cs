using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Cli.Commands.Networks;
using Skiff.Cli.Commands.Volumes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Containers;

/// <summary>
/// Top-level <c>podman inspect</c>: each name is looked up as a container, then an image, a volume and a network
/// (podman's order), or only as the <c>--type</c> given.
/// </summary>
public static class InspectAnyCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Display the configuration of object denoted by ID") { Usage = "[options] {CONTAINER|IMAGE|POD|NETWORK|VOLUME} [...]" };
        Option<string?> format = new("--format", "-f") { Description = "Format the output to a Go template or json" };
        Option<string> type = new("--type", "-t") { Description = "Specify inspect-object type", DefaultValueFactory = _ => "all" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Option<bool> size = new("--size", "-s") { Description = "Display total file size" };
        Argument<string[]> names = new("NAME") { Arity = ArgumentArity.ZeroOrMore };
        foreach (Option o in new Option[] { format, type, latest, size })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(names);
        command.SetHandler((parseResult, _) =>
        {
            string kind = parseResult.GetValue(type) ?? "all";
            if (kind is not ("all" or "container" or "image" or "volume" or "network"))
            {
                throw new UsageException($"invalid type \"{kind}\": must be 'container', 'image', 'volume', 'network', 'pod' or 'all'");
            }
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            List<string> targets = [.. parseResult.GetValue(names) ?? []];
            if (parseResult.GetValue(latest))
            {
                targets = [engine.Containers.Latest().Record.Id];
                kind = "container";
            }
            if (targets.Count == 0)
            {
                throw new UsageException("inspect requires at least one argument");
            }
            var items = new JsonArray();
            var errors = new List<string>();
            foreach (string n in targets)
            {
                JsonNode? item = Find(engine, n, kind, parseResult.GetValue(size));
                if (item is null)
                {
                    errors.Add($"no such object: \"{n}\"");
                }
                else
                {
                    items.Add(item);
                }
            }
            InspectOutput.Write(context, items, parseResult.GetValue(format), errors);
            return Task.FromResult(0);
        });
        return command;
    }

    private static JsonNode? Find(EngineAccess engine, string name, string kind, bool size)
    {
        if (kind is "all" or "container" && engine.Containers.Runtime.Find(name) is { } container)
        {
            JsonObject item = ContainerInspectCommand.Build(engine, container);
            if (size)
            {
                ContainerInspectCommand.AddSize(engine, container, item);
            }
            return item;
        }
        if (kind is "all" or "image")
        {
            try
            {
                List<ImageInspectReport> report = [engine.Images.Inspect(name)];
                return JsonSerializer.SerializeToNode(report, EngineJsonContext.Default.ListImageInspectReport)!.AsArray()[0]!.DeepClone();
            }
            catch (ImageNotFoundException)
            {
            }
            catch (ReferenceFormatException) when (kind == "all")
            {
            }
        }
        if (kind is "all" or "volume" && engine.Containers.Runtime.Volumes.Find(name) is { } volume)
        {
            return VolumeGroup.Json(volume, 0);
        }
        if (kind is "all" or "network" && engine.Containers.Runtime.Networks.Find(name) is { } network)
        {
            return NetworkGroup.ToJson(network);
        }
        return null;
    }
}
