using System.CommandLine;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman container SUBCOMMAND</c>.</summary>
public static class ContainerGroup
{
    public static Command Create(CommandContext context)
    {
        var group = new VerbCommand("container", "Manage containers");
        group.Subcommands.Add(CreateCommand.Create(context));
        group.Subcommands.Add(RunCommand.Create(context));
        group.Subcommands.Add(LifecycleCommands.CreateStart(context));
        group.Subcommands.Add(LifecycleCommands.CreateStop(context));
        group.Subcommands.Add(LifecycleCommands.CreateRestart(context));
        group.Subcommands.Add(LifecycleCommands.CreateKill(context));
        group.Subcommands.Add(LifecycleCommands.CreatePause(context));
        group.Subcommands.Add(LifecycleCommands.CreateUnpause(context));
        group.Subcommands.Add(LifecycleCommands.CreateWait(context));
        group.Subcommands.Add(LifecycleCommands.CreateRename(context));
        group.Subcommands.Add(LifecycleCommands.CreateAttach(context));
        group.Subcommands.Add(LifecycleCommands.CreateCleanup(context));
        group.Subcommands.Add(RmCommand.Create(context));
        group.Subcommands.Add(PsCommand.Create(context, "ls"));
        group.Subcommands.Add(LogsCommand.Create(context));
        group.Subcommands.Add(ExecCommand.Create(context));
        group.Subcommands.Add(PortCommand.Create(context));
        group.Subcommands.Add(TopCommand.Create(context));
        group.Subcommands.Add(ContainerInspectCommand.Create(context));
        group.Subcommands.Add(CreateExists(context));
        group.Subcommands.Add(FileCommands.CreateCommit(context));
        group.Subcommands.Add(FileCommands.CreateCp(context));
        group.Subcommands.Add(FileCommands.CreateDiff(context));
        group.Subcommands.Add(FileCommands.CreateExport(context));
        group.Subcommands.Add(FileCommands.CreateMount(context));
        group.Subcommands.Add(FileCommands.CreateUnmount(context));
        group.Subcommands.Add(FileCommands.CreatePrune(context));
        return group;
    }

    /// <summary><c>podman container exists</c>: exit 0 when it exists, 1 when not.</summary>
    public static Command CreateExists(CommandContext context)
    {
        var command = new VerbCommand("exists", "Check if a container exists in local storage") { Usage = "[options] CONTAINER" };
        Option<bool> external = new("--external") { Description = "Check external storage containers as well as Podman containers" };
        Argument<string> name = new("CONTAINER");
        command.Options.Add(external);
        command.Arguments.Add(name);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            return Task.FromResult(engine.Containers.Exists(parseResult.GetValue(name)!) ? 0 : 1);
        });
        return command;
    }
}
