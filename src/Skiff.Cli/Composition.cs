using System.CommandLine;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Commands.System;
using Skiff.Cli.Framework;

namespace Skiff.Cli;

/// <summary>
/// The composition root: which verbs each face has and which hidden re-exec verbs exist. Verbs are
/// listed here explicitly (no reflection, no static registration); a new verb file adds one line.
/// </summary>
public static class Composition
{
    public static Face CreateFace(CommandContext context) => context.Face switch
    {
        FaceKind.Buildah => Face.Create(context, "A tool that facilitates building OCI images", BuildahVerbs()),
        FaceKind.Skopeo => Face.Create(context, "Various operations with container images and container image registries", SkopeoVerbs()),
        _ => Face.Create(context, "Manage pods, containers and images", PodmanVerbs()),
    };

    public static IEnumerable<Func<CommandContext, Command>> PodmanVerbs() =>
    [
        VersionCommand.Create,
        InfoCommand.Create,
        SystemCommands.Create,
        ImagesCommand.Create,
        ImageGroup.Create,
        ImportCommand.Create,
        TagCommands.CreateTag,
        TagCommands.CreateUntag,
        RmiCommand.Create,
        InspectCommand.Create,
        HistoryCommand.Create,
        SaveLoadCommands.CreateSave,
        SaveLoadCommands.CreateLoad,
    ];

    public static IEnumerable<Func<CommandContext, Command>> BuildahVerbs() =>
    [
        VersionCommand.Create,
    ];

    public static IEnumerable<Func<CommandContext, Command>> SkopeoVerbs() =>
    [
    ];

    /// <summary>Hidden verbs (<c>__name</c>) dispatched before parsing; see <see cref="HiddenVerbRegistry"/>.</summary>
    public static void RegisterHiddenVerbs(HiddenVerbRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
    }
}
