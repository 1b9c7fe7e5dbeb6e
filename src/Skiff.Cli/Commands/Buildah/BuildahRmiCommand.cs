using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah rmi</c>: prints the id of each removed image (not podman's Untagged/Deleted lines).</summary>
public static class BuildahRmiCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("rmi", "Remove one or more images from local storage") { Usage = "[options] IMAGE-NAME-OR-ID [...]" };
        Option<bool> all = new("--all", "-a") { Description = "remove all images" };
        Option<bool> force = new("--force", "-f") { Description = "force removal of the image and any containers using the image" };
        Option<bool> prune = new("--prune", "-p") { Description = "prune dangling images" };
        Argument<string[]> images = new("IMAGE") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Options.Add(force);
        command.Options.Add(prune);
        command.Arguments.Add(images);
        command.SetHandler(async (parseResult, ct) =>
        {
            string[] names = parseResult.GetValue(images) ?? [];
            bool everything = parseResult.GetValue(all);
            bool pruneOnly = parseResult.GetValue(prune);
            if (names.Length == 0 && !everything && !pruneOnly)
            {
                throw new ArgumentCountException("image name or ID must be specified");
            }
            if (names.Length > 0 && everything)
            {
                throw new ArgumentCountException("when using the --all switch, you may not pass any images names or IDs");
            }
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            if (pruneOnly && !everything && names.Length == 0)
            {
                foreach (string id in (await access.Engine.Images.PruneAsync(false, ct)).Removed)
                {
                    context.Out.WriteLine(id);
                }
                return 0;
            }
            bool forced = parseResult.GetValue(force);
            if (forced)
            {
                // Buildah's --force also removes the containers using the images.
                var targets = everything ? access.Engine.Store.ListImages().Select(i => i.Id).ToHashSet(StringComparer.Ordinal)
                    : names.Select(n => access.Engine.Store.FindImage(n)?.Id).OfType<string>().ToHashSet(StringComparer.Ordinal);
                foreach (var c in access.Engine.Store.ListContainers().Where(c => c.ImageId is not null && targets.Contains(c.ImageId)))
                {
                    await access.Engine.Store.DeleteContainerAsync(c.Id, ct);
                }
            }
            RemoveImagesReport report = await access.Engine.Images.RemoveAsync(new RemoveImagesOptions
            {
                Names = names,
                All = everything,
                Force = forced,
            }, ct);
            foreach (string u in report.Untagged.Where(_ => report.Deleted.Count == 0))
            {
                context.Out.WriteLine("untagged: " + u);
            }
            foreach (string d in report.Deleted)
            {
                context.Out.WriteLine(d);
            }
            if (report.Errors.Count > 0)
            {
                foreach (SkiffException e in report.Errors.SkipLast(1))
                {
                    context.Err.WriteLine("Error: " + e.Message);
                }
                throw report.Errors[^1];
            }
            return 0;
        });
        return command;
    }
}
