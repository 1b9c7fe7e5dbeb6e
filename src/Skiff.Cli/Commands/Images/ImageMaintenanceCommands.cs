using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman image prune</c> and <c>podman image exists</c>.</summary>
public static class ImageMaintenanceCommands
{
    public static Command CreatePrune(CommandContext context)
    {
        var command = new VerbCommand("prune", "Remove unused images");
        Option<bool> all = new("--all", "-a") { Description = "Remove all images not in use by containers, not just dangling ones" };
        Option<bool> force = new("--force", "-f") { Description = "Do not prompt for confirmation" };
        command.Options.Add(all);
        command.Options.Add(force);
        command.SetHandler(async (parseResult, ct) =>
        {
            if (!parseResult.GetValue(force))
            {
                context.Err.Write(parseResult.GetValue(all)
                    ? "WARNING! This command removes all images without at least one container associated with them.\nAre you sure you want to continue? [y/N] "
                    : "WARNING! This command removes all dangling images.\nAre you sure you want to continue? [y/N] ");
                string? answer = context.In.ReadLine();
                if (answer is null || !answer.Trim().StartsWith('y'))
                {
                    return 0;
                }
            }
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            PruneReport report = await engine.Images.PruneAsync(parseResult.GetValue(all), ct);
            foreach (string id in report.Removed)
            {
                context.Out.WriteLine(id);
            }
            return 0;
        });
        return command;
    }

    public static Command CreateExists(CommandContext context)
    {
        var command = new VerbCommand("exists", "Check if an image exists in local storage");
        Argument<string> image = new("IMAGE");
        command.Arguments.Add(image);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            return Task.FromResult(engine.Images.Exists(parseResult.GetValue(image)!) ? 0 : 1);
        });
        return command;
    }
}
