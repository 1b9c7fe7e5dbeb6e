using System.CommandLine;
using Skiff.Build.Containers;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah commit CONTAINER [IMAGE]</c>: prints the new image's id.</summary>
public static class CommitCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("commit", "Create an image from a working container") { Usage = "[options] CONTAINER [IMAGE]" };
        Option<string?> format = new("--format", "-f") { Description = "`format` of the image manifest and metadata (oci, docker)" };
        Option<bool> squash = new("--squash") { Description = "produce an image with only one layer" };
        Option<bool> rm = new("--rm") { Description = "remove the container and its content after committing it to an image" };
        Option<string?> iidfile = new("--iidfile") { Description = "write the image ID to the file" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "don't output progress information when writing images" };
        Option<bool> disableCompression = new("--disable-compression", "-D") { Description = "don't compress layers" };
        Argument<string> container = new("CONTAINER");
        Argument<string?> image = new("IMAGE") { Arity = ArgumentArity.ZeroOrOne };
        command.Options.Add(format);
        command.Options.Add(squash);
        command.Options.Add(rm);
        command.Options.Add(iidfile);
        command.Options.Add(quiet);
        command.Options.Add(disableCompression);
        var registryFlags = new RegistryFlags();
        registryFlags.AddTo(command);
        command.Arguments.Add(container);
        command.Arguments.Add(image);
        command.SetHandler(async (parseResult, ct) =>
        {
            using BuildahAccess access = BuildahAccess.Open(context, parseResult, registryFlags);
            string fmt = parseResult.GetValue(format) ?? Environment.GetEnvironmentVariable("BUILDAH_FORMAT") ?? "oci";
            CommitResult result = await access.Build.CommitAsync(parseResult.GetValue(container)!, new CommitRequest
            {
                Destination = parseResult.GetValue(image),
                Format = fmt,
                Squash = parseResult.GetValue(squash),
                Remove = parseResult.GetValue(rm),
                Progress = parseResult.GetValue(quiet) ? null : BuildahAccess.Progress(context.Err),
            }, ct);
            if (parseResult.GetValue(iidfile) is { Length: > 0 } path)
            {
                await File.WriteAllTextAsync(path, "sha256:" + result.ImageId, ct);
            }
            context.Out.WriteLine(result.ImageId);
            return 0;
        });
        return command;
    }
}
