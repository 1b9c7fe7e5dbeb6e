using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Containers;

namespace Skiff.Cli.Commands.Containers;

/// <summary>
/// <c>podman top</c>: the container's processes with ps(1)'s AIX descriptors and podman's own; with ps(1) flags
/// (<c>-eo pid,comm</c>) it runs the container's own ps, as podman does.
/// </summary>
public static class TopCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("top", "Display the running processes of a container")
        {
            RawAfterPositionals = 1,
            Usage = "[options] CONTAINER [FORMAT-DESCRIPTORS|ARGS...]",
        };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Argument<string[]> args = new("ARGS") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(latest);
        command.Arguments.Add(args);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            List<string> rest = [.. parseResult.GetValue(args) ?? []];
            string target;
            if (parseResult.GetValue(latest))
            {
                target = engine.Containers.Latest().Record.Id;
            }
            else if (rest.Count > 0)
            {
                target = rest[0];
                rest.RemoveAt(0);
            }
            else
            {
                throw new UsageException("you must provide the name or id of a running container");
            }
            if (rest.Exists(a => a.StartsWith('-')))
            {
                context.Out.Flush();
                return await engine.Containers.ExecAsync(new ExecOptions { Container = target, Command = ["ps", .. rest] }, cancellationToken);
            }
            TopReport report = await engine.Containers.TopAsync(target, rest, cancellationToken);
            var table = new TableWriter();
            table.WriteRow(report.Headers);
            foreach (IReadOnlyList<string> row in report.Rows)
            {
                table.WriteRow(row);
            }
            context.Out.Write(table.ToString());
            return 0;
        });
        return command;
    }
}
