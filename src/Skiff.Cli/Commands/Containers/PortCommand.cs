using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;
using Skiff.Runtime;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman port</c>: "80/tcp -> 0.0.0.0:8080" per mapping, or "0.0.0.0:8080" for one port asked.</summary>
public static class PortCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("port", "List port mappings or a specific mapping for the container") { Usage = "[options] CONTAINER [PORT]" };
        Option<bool> all = new("--all", "-a") { Description = "Display port information for all containers" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Argument<string?> container = new("CONTAINER") { Arity = ArgumentArity.ZeroOrOne };
        Argument<string?> port = new("PORT") { Arity = ArgumentArity.ZeroOrOne };
        command.Options.Add(all);
        command.Options.Add(latest);
        command.Arguments.Add(container);
        command.Arguments.Add(port);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IEnumerable<ContainerInfo> targets = parseResult.GetValue(all)
                ? engine.Containers.List(new ContainerListOptions())
                : [parseResult.GetValue(latest) ? engine.Containers.Latest() : engine.Containers.Get(parseResult.GetValue(container) ?? throw new UsageException("you must supply a running container name or id"))];
            string? wanted = parseResult.GetValue(port);
            foreach (ContainerInfo c in targets)
            {
                if (c.Status.State is not (ContainerState.Running or ContainerState.Paused))
                {
                    if (!parseResult.GetValue(all))
                    {
                        throw new ContainerStateException($"cannot get port mappings of container {c.Record.Id}: container state improper");
                    }
                    continue;
                }
                foreach (PortMapping p in c.Status.Ports ?? [])
                {
                    string hostIp = string.IsNullOrEmpty(p.HostIp) ? "0.0.0.0" : p.HostIp;
                    if (wanted is not null)
                    {
                        string w = wanted.Contains('/', StringComparison.Ordinal) ? wanted : wanted + "/tcp";
                        if (w == $"{p.ContainerPort}/{p.Protocol}")
                        {
                            context.Out.WriteLine($"{hostIp}:{p.HostPort}");
                        }
                        continue;
                    }
                    if (parseResult.GetValue(all))
                    {
                        context.Out.Write(c.Record.Id[..12] + "\t");
                    }
                    context.Out.WriteLine($"{p.ContainerPort}/{p.Protocol} -> {hostIp}:{p.HostPort}");
                }
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
