using System.CommandLine;
using Skiff.Cli.Commands.Buildah;
using Skiff.Cli.Commands.Containers;
using Skiff.Cli.Commands.Networks;
using Skiff.Cli.Commands.Volumes;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Commands.Skopeo;
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
        _ when context.ProgramName == "skiff" => Face.Create(context, "Manage pods, containers and images", [.. PodmanVerbs(), SubFace(FaceKind.Buildah), SubFace(FaceKind.Skopeo)]),
        _ => Face.Create(context, "Manage pods, containers and images", PodmanVerbs()),
    };

    // `skiff buildah ...` and `skiff skopeo ...` are normally picked before parsing (Cli.Select); these
    // entries list them in help and catch them after global options (`skiff --root /x buildah images`).
    private static Func<CommandContext, Command> SubFace(FaceKind kind) => context =>
    {
        string name = kind == FaceKind.Buildah ? "buildah" : "skopeo";
        var command = new VerbCommand(name, kind == FaceKind.Buildah ? "Run a Buildah command" : "Run a Skopeo command")
        {
            RawAfterPositionals = 0,
            Usage = "COMMAND [ARG...]",
        };
        var rest = new Argument<string[]>("ARG") { Arity = ArgumentArity.ZeroOrMore };
        command.Arguments.Add(rest);
        command.SetHandler((parseResult, cancellationToken) =>
        {
            var sub = new CommandContext(kind, "skiff " + name, context.Out, context.Err, context.In, context.Settings(parseResult)) { Time = context.Time };
            return CreateFace(sub).RunAsync(parseResult.GetValue(rest) ?? [], cancellationToken);
        });
        return command;
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
        InspectAnyCommand.Create,
        HistoryCommand.Create,
        SaveLoadCommands.CreateSave,
        SaveLoadCommands.CreateLoad,
        // podman build is buildah's build.
        Commands.Buildah.BuildCommand.Create,
        // registry verbs
        PullCommand.Create,
        PushCommand.Create,
        LoginCommands.CreateLogin,
        LoginCommands.CreateLogout,
        SearchCommand.Create,
        ManifestCommand.Create,
        // Containers (runtime helper): keep these lines together.
        ContainerGroup.Create,
        CreateCommand.Create,
        Commands.Containers.RunCommand.Create,
        LifecycleCommands.CreateStart,
        LifecycleCommands.CreateStop,
        LifecycleCommands.CreateRestart,
        LifecycleCommands.CreateKill,
        LifecycleCommands.CreatePause,
        LifecycleCommands.CreateUnpause,
        LifecycleCommands.CreateWait,
        LifecycleCommands.CreateRename,
        LifecycleCommands.CreateAttach,
        Commands.Containers.RmCommand.Create,
        PsCommand.Create,
        LogsCommand.Create,
        ExecCommand.Create,
        PortCommand.Create,
        TopCommand.Create,
        EventsCommand.Create,
        FileCommands.CreateCommit,
        FileCommands.CreateCp,
        FileCommands.CreateDiff,
        FileCommands.CreateExport,
        FileCommands.CreateMount,
        FileCommands.CreateUnmount,
        VolumeGroup.Create,
        NetworkGroup.Create,
    ];

    public static IEnumerable<Func<CommandContext, Command>> BuildahVerbs() =>
    [
        VersionCommand.Create,
        FromCommand.Create,
        MountCommands.CreateMount,
        MountCommands.CreateUmount,
        CopyCommands.CreateCopy,
        CopyCommands.CreateAdd,
        ConfigCommand.Create,
        CommitCommand.Create,
        Commands.Buildah.RunCommand.Create,
        BuildCommand.Create,
        ContainersCommand.Create,
        Commands.Buildah.RmCommand.Create,
        BuildahImagesCommand.Create,
        BuildahRmiCommand.Create,
        TagCommands.CreateTag,
        BuildahInspectCommand.Create,
        PullCommand.Create,
        PushCommand.Create,
        BuildahInfoCommand.Create,
        UnshareCommand.Create,
    ];

    public static IEnumerable<Func<CommandContext, Command>> SkopeoVerbs() =>
    [
        // registry verbs
        SkopeoCopyCommand.Create,
        SkopeoInspectCommand.Create,
        RegistryVerbs.CreateListTags,
        RegistryVerbs.CreateDelete,
        RegistryVerbs.CreateManifestDigest,
        SyncCommand.Create,
        LoginCommands.CreateLogin,
        LoginCommands.CreateLogout,
    ];

    /// <summary>Hidden verbs (<c>__name</c>) dispatched before parsing; see <see cref="HiddenVerbRegistry"/>.</summary>
    public static void RegisterHiddenVerbs(HiddenVerbRegistry registry)
    {
        ArgumentNullException.ThrowIfNull(registry);
    }
}
