using System.CommandLine;
using Skiff.Build.Containers;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah from IMAGE</c>: a working container; prints its name.</summary>
public static class FromCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("from", "Create a working container based on an image") { Usage = "[options] {IMAGE ID | IMAGE-NAME}" };
        Option<string?> name = new("--name") { Description = "set a name for the working container" };
        Option<string?> pull = new("--pull") { Description = "pull images from the registry if missing (missing, always, never)" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "don't output progress information when pulling images" };
        Option<string?> format = new("--format", "-f") { Description = "format of the image manifest and metadata" };
        Option<string?> isolation = new("--isolation") { Description = "type of process isolation to use (oci, chroot)" };
        Argument<string> image = new("IMAGE");
        command.Options.Add(name);
        command.Options.Add(pull);
        command.Options.Add(quiet);
        command.Options.Add(format);
        command.Options.Add(isolation);
        var registryFlags = new RegistryFlags();
        registryFlags.AddTo(command);
        command.Arguments.Add(image);
        command.ImplicitValues[pull] = "true";
        command.SetHandler(async (parseResult, ct) =>
        {
            using BuildahAccess access = BuildahAccess.Open(context, parseResult, registryFlags);
            Builder builder = await access.Build.FromAsync(new FromRequest
            {
                Image = parseResult.GetValue(image)!,
                Name = parseResult.GetValue(name),
                Pull = parseResult.GetValue(pull) ?? "missing",
                Isolation = parseResult.GetValue(isolation) ?? Environment.GetEnvironmentVariable("BUILDAH_ISOLATION") ?? "oci",
                Progress = parseResult.GetValue(quiet) ? null : BuildahAccess.Progress(context.Err),
            }, ct);
            context.Out.WriteLine(builder.Name);
            return 0;
        });
        return command;
    }
}
