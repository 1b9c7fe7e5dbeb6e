using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;
using Skiff.Storage;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman rmi</c> / <c>podman image rm</c>: exit 1 when an image is unknown, 2 when in use.</summary>
public static class RmiCommand
{
    public static Command Create(CommandContext context) => Create(context, "rmi");

    public static Command Create(CommandContext context, string name)
    {
        var command = new VerbCommand(name, "Remove one or more images from local storage");
        Option<bool> all = new("--all", "-a") { Description = "Remove all images" };
        Option<bool> force = new("--force", "-f") { Description = "Force Removal of the image" };
        Option<bool> ignore = new("--ignore", "-i") { Description = "Ignore errors if a specified image does not exist" };
        Argument<string[]> images = new("IMAGE") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Options.Add(force);
        command.Options.Add(ignore);
        command.Arguments.Add(images);
        command.SetHandler(async (parseResult, ct) =>
        {
            string[] names = parseResult.GetValue(images) ?? [];
            bool removeAll = parseResult.GetValue(all);
            if (names.Length == 0 && !removeAll)
            {
                throw new ArgumentCountException("image name or ID must be specified");
            }
            if (names.Length > 0 && removeAll)
            {
                throw new ArgumentCountException("when using the --all switch, you may not pass any images names or IDs");
            }
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            RemoveImagesReport report = await engine.Images.RemoveAsync(new RemoveImagesOptions
            {
                Names = names,
                All = removeAll,
                Force = parseResult.GetValue(force),
                Ignore = parseResult.GetValue(ignore),
            }, ct);
            foreach (string u in report.Untagged)
            {
                context.Out.WriteLine("Untagged: " + u);
            }
            foreach (string d in report.Deleted)
            {
                context.Out.WriteLine("Deleted: " + d);
            }
            if (report.Errors.Count == 0)
            {
                return 0;
            }
            foreach (SkiffException e in report.Errors.SkipLast(1))
            {
                context.Err.WriteLine("Error: " + e.Message);
            }
            SkiffException last = report.Errors[^1];
            int code = report.Errors.Any(e => e is ImageInUseException) ? 2 : report.Errors.All(e => e is ImageNotFoundException) ? 1 : 125;
            throw new ExitCodeException(code, last.Message);
        });
        return command;
    }
}
