using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman rm</c>: prints each removed container's id.</summary>
public static class RmCommand
{
    public static Command Create(CommandContext context) => Create(context, "rm");

    public static Command Create(CommandContext context, string name)
    {
        var command = new VerbCommand(name, "Remove one or more containers") { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<bool> force = new("--force", "-f") { Description = "Force removal of a running or unusable container" };
        Option<bool> all = new("--all", "-a") { Description = "Remove all containers" };
        Option<bool> volumes = new("--volumes", "-v") { Description = "Remove anonymous volumes associated with the container" };
        Option<bool> ignore = new("--ignore", "-i") { Description = "Ignore errors when a specified container is missing" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Option<uint?> time = new("--time", "-t") { Description = "Seconds to wait for stop before killing the container" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        foreach (Option o in new Option[] { force, all, volumes, ignore, latest, time })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            bool isAll = parseResult.GetValue(all);
            string[] given = parseResult.GetValue(names) ?? [];
            if (!isAll && given.Length == 0 && !parseResult.GetValue(latest))
            {
                throw new UsageException("you must provide at least one name or id");
            }
            IReadOnlyList<string> targets = parseResult.GetValue(latest) ? [engine.Containers.Latest().Record.Id] : given;
            IReadOnlyList<ContainerOpReport> reports = await engine.Containers.RemoveAsync(new ContainerRemoveOptions
            {
                Names = targets,
                All = isAll,
                Force = parseResult.GetValue(force),
                Ignore = parseResult.GetValue(ignore),
                Volumes = parseResult.GetValue(volumes),
                Timeout = parseResult.GetValue(time),
            }, cancellationToken);
            return LifecycleCommands.Report(context, reports, printId: true);
        });
        return command;
    }
}
