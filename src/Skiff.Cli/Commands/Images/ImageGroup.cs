using System.CommandLine;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman image SUBCOMMAND</c>: the image verbs under their group names.</summary>
public static class ImageGroup
{
    public static Command Create(CommandContext context)
    {
        var group = new VerbCommand("image", "Manage images");
        group.Subcommands.Add(ImagesCommand.Create(context, "ls"));
        group.Subcommands.Add(RmiCommand.Create(context, "rm"));
        group.Subcommands.Add(InspectCommand.Create(context, "inspect"));
        group.Subcommands.Add(HistoryCommand.Create(context));
        group.Subcommands.Add(TagCommands.CreateTag(context));
        group.Subcommands.Add(TagCommands.CreateUntag(context));
        group.Subcommands.Add(ImportCommand.Create(context));
        group.Subcommands.Add(SaveLoadCommands.CreateSave(context));
        group.Subcommands.Add(SaveLoadCommands.CreateLoad(context));
        group.Subcommands.Add(ImageMaintenanceCommands.CreatePrune(context));
        group.Subcommands.Add(ImageMaintenanceCommands.CreateExists(context));
        return group;
    }
}
