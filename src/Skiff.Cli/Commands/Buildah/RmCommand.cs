using System.CommandLine;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah rm</c> / <c>buildah delete</c>: prints each removed container's id.</summary>
public static class RmCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("rm", "Remove one or more working containers") { Usage = "CONTAINER-NAME-OR-ID [...]" };
        command.Aliases.Add("delete");
        Option<bool> all = new("--all", "-a") { Description = "remove all containers" };
        Argument<string[]> containers = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Arguments.Add(containers);
        command.SetHandler(async (parseResult, ct) =>
        {
            (string[] names, bool everything) = BuildahAccess.Targets(parseResult, containers, all,
                "container ID must be specified", "when using the --all switch, you may not pass any containers names or IDs");
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            foreach (string id in await access.Build.RemoveAsync(names, everything, ct))
            {
                context.Out.WriteLine(id);
            }
            return 0;
        });
        return command;
    }
}
