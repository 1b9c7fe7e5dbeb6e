using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman create</c>: prints the new container's id.</summary>
public static class CreateCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("create", "Create but do not start a container") { RawAfterPositionals = 1, Usage = "[options] IMAGE [COMMAND [ARG...]]" };
        var flags = new ContainerFlags();
        flags.AddTo(command);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            await flags.PullIfNeededAsync(context, engine, parseResult, cancellationToken);
            ContainerCreateReport report = await engine.Containers.CreateAsync(flags.ToOptions(parseResult), cancellationToken);
            foreach (string w in report.Warnings)
            {
                context.Err.WriteLine("WARN[0000] " + w);
            }
            context.Out.WriteLine(report.Id);
            return 0;
        });
        return command;
    }
}
