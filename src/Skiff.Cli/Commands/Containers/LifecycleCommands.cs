using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;
using Skiff.Runtime;

namespace Skiff.Cli.Commands.Containers;

/// <summary>start, stop, restart, kill, pause, unpause, wait, rename, cleanup.</summary>
public static class LifecycleCommands
{
    /// <summary>Prints each success (as podman: the name given, or the full id), then fails with the errors.</summary>
    internal static int Report(CommandContext context, IReadOnlyList<ContainerOpReport> reports, bool printId)
    {
        Exception? last = null;
        foreach (ContainerOpReport r in reports)
        {
            if (r.Error is null)
            {
                context.Out.WriteLine(printId ? r.Id : r.NameOrId);
            }
            else
            {
                if (last is not null)
                {
                    context.Err.WriteLine("Error: " + last.Message);
                }
                last = r.Error;
            }
        }
        if (last is CommandInvocationException ci)
        {
            throw new ExitCodeException(ci.ExitCode, ci.Message);
        }
        if (last is not null)
        {
            throw last;
        }
        return 0;
    }

    /// <summary>podman's <c>--latest</c>/<c>-l</c>, which every verb acting on containers by name offers.</summary>
    internal static Option<bool> LatestOption() => new("--latest", "-l") { Description = "Act on the latest container podman is aware of" };

    internal static IReadOnlyList<string> Targets(EngineAccess engine, ParseResult parseResult, Argument<string[]> names, Option<bool>? latest, Option<bool>? all = null, bool running = false)
    {
        if (latest is not null && parseResult.GetValue(latest))
        {
            return [engine.Containers.Latest().Record.Id];
        }
        if (all is not null && parseResult.GetValue(all))
        {
            return engine.Containers.List(new ContainerListOptions { All = !running }).Select(c => c.Record.Id).ToList();
        }
        string[] given = parseResult.GetValue(names) ?? [];
        if (given.Length == 0)
        {
            throw new UsageException("you must provide at least one container name or id");
        }
        return given;
    }

    public static Command CreateStart(CommandContext context)
    {
        var command = new VerbCommand("start", "Start one or more containers") { Usage = "[options] CONTAINER [CONTAINER...]", HandlesSignals = true };
        Option<bool> attach = new("--attach", "-a") { Description = "Attach container's STDOUT and STDERR" };
        Option<bool> interactive = new("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
        Option<bool> latest = LatestOption();
        Option<bool> all = new("--all") { Description = "Start all containers regardless of their state or configuration" };
        Option<bool> sigProxy = new("--sig-proxy") { Description = "Proxy received signals to the process (default true if attaching, false otherwise)", DefaultValueFactory = _ => true };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(attach);
        command.Options.Add(interactive);
        command.Options.Add(latest);
        command.Options.Add(all);
        command.Options.Add(sigProxy);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<string> targets = Targets(engine, parseResult, names, latest, all);
            if (parseResult.GetValue(attach))
            {
                if (targets.Count != 1)
                {
                    throw new UsageException("you cannot start and attach multiple containers at once");
                }
                ContainerInfo info = engine.Containers.Get(targets[0]);
                return await RunCommand.AttachedAsync(context, engine, info.Record.Id, info.Definition.Terminal,
                    parseResult.GetValue(interactive) || info.Definition.Stdin, info.Definition.AutoRemove, parseResult.GetValue(sigProxy), cancellationToken);
            }
            return Report(context, await engine.Containers.StartAsync(targets, cancellationToken), printId: false);
        });
        return command;
    }

    public static Command CreateStop(CommandContext context) => CreateStopLike(context, "stop", "Stop one or more containers");

    public static Command CreateRestart(CommandContext context) => CreateStopLike(context, "restart", "Restart one or more containers");

    private static Command CreateStopLike(CommandContext context, string name, string description)
    {
        var command = new VerbCommand(name, description) { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<uint?> time = new("--time", "-t") { Description = "Seconds to wait for stop before killing the container" };
        Option<bool> latest = LatestOption();
        Option<bool> all = new("--all", "-a") { Description = "Stop all running containers" };
        Option<bool> ignore = new("--ignore", "-i") { Description = "Ignore errors when a specified container is missing" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(time);
        command.Options.Add(latest);
        command.Options.Add(all);
        command.Options.Add(ignore);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<string> targets = Targets(engine, parseResult, names, latest, all, running: true);
            IReadOnlyList<ContainerOpReport> reports = name == "stop"
                ? await engine.Containers.StopAsync(targets, parseResult.GetValue(time), cancellationToken)
                : await engine.Containers.RestartAsync(targets, parseResult.GetValue(time), cancellationToken);
            if (parseResult.GetValue(ignore))
            {
                reports = reports.Where(r => r.Error is not NoSuchContainerException).ToList();
            }
            return Report(context, reports, printId: false);
        });
        return command;
    }

    public static Command CreateKill(CommandContext context)
    {
        var command = new VerbCommand("kill", "Kill one or more running containers with a specific signal") { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<string> signal = new("--signal", "-s") { Description = "Signal to send to the container", DefaultValueFactory = _ => "KILL" };
        Option<bool> latest = LatestOption();
        Option<bool> all = new("--all", "-a") { Description = "Signal all running containers" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(signal);
        command.Options.Add(latest);
        command.Options.Add(all);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<string> targets = Targets(engine, parseResult, names, latest, all, running: true);
            return Report(context, await engine.Containers.KillAsync(targets, parseResult.GetValue(signal) ?? "KILL", cancellationToken), printId: false);
        });
        return command;
    }

    public static Command CreatePause(CommandContext context) => CreatePauseLike(context, pause: true);

    public static Command CreateUnpause(CommandContext context) => CreatePauseLike(context, pause: false);

    private static Command CreatePauseLike(CommandContext context, bool pause)
    {
        var command = new VerbCommand(pause ? "pause" : "unpause", pause ? "Pause all the processes in one or more containers" : "Unpause the processes in one or more containers")
        {
            Usage = "[options] CONTAINER [CONTAINER...]",
        };
        Option<bool> all = new("--all", "-a") { Description = pause ? "Pause all running containers" : "Unpause all paused containers" };
        Option<bool> latest = LatestOption();
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Options.Add(latest);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<string> targets;
            if (parseResult.GetValue(all))
            {
                ContainerState want = pause ? ContainerState.Running : ContainerState.Paused;
                targets = engine.Containers.List(new ContainerListOptions { All = true }).Where(c => c.Status.State == want).Select(c => c.Record.Id).ToList();
            }
            else
            {
                targets = Targets(engine, parseResult, names, latest);
            }
            return Report(context, await engine.Containers.PauseAsync(targets, pause, cancellationToken), printId: true);
        });
        return command;
    }

    public static Command CreateWait(CommandContext context)
    {
        var command = new VerbCommand("wait", "Block on one or more containers") { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<string[]> condition = new("--condition") { Description = "Condition to wait on" };
        Option<bool> latest = LatestOption();
        Option<bool> ignore = new("--ignore") { Description = "Ignore if a container does not exist" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(condition);
        command.Options.Add(latest);
        command.Options.Add(ignore);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            foreach (string name in Targets(engine, parseResult, names, latest))
            {
                try
                {
                    context.Out.WriteLine(await engine.Containers.WaitAsync(name, cancellationToken));
                }
                catch (NoSuchContainerException) when (parseResult.GetValue(ignore))
                {
                    context.Out.WriteLine(-1);
                }
            }
            return 0;
        });
        return command;
    }

    public static Command CreateAttach(CommandContext context)
    {
        var command = new VerbCommand("attach", "Attach to a running container") { Usage = "[options] CONTAINER", HandlesSignals = true };
        Option<bool> noStdin = new("--no-stdin") { Description = "Do not attach STDIN. The default is false" };
        Option<bool> latest = LatestOption();
        Option<bool> sigProxy = new("--sig-proxy") { Description = "Proxy received signals to the container process", DefaultValueFactory = _ => true };
        Argument<string?> name = new("CONTAINER") { Arity = ArgumentArity.ZeroOrOne };
        command.Options.Add(noStdin);
        command.Options.Add(latest);
        command.Options.Add(sigProxy);
        command.Arguments.Add(name);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            ContainerInfo info = parseResult.GetValue(latest) ? engine.Containers.Latest()
                : engine.Containers.Get(parseResult.GetValue(name) ?? throw new UsageException("attach requires the name or id of one running container or the latest flag"));
            context.Out.Flush();
            using Stream stdout = StandardStreams.Open(1);
            using Stream stderr = StandardStreams.Open(2);
            using Stream? stdin = parseResult.GetValue(noStdin) ? null : StandardStreams.Open(0);
            using Skiff.Interop.RawTerminal? raw = info.Definition.Terminal && stdin is not null ? Skiff.Interop.RawTerminal.Enter(0) : null;
            return await engine.Containers.AttachAsync(info.Record.Id, new AttachStreams(stdin, stdout, stderr), cancellationToken);
        });
        return command;
    }

    public static Command CreateRename(CommandContext context)
    {
        var command = new VerbCommand("rename", "Rename an existing container") { Usage = "CONTAINER NAME" };
        Argument<string> container = new("CONTAINER");
        Argument<string> name = new("NAME");
        command.Arguments.Add(container);
        command.Arguments.Add(name);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            await engine.Containers.RenameAsync(parseResult.GetValue(container)!, parseResult.GetValue(name)!, cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>conmon's exit command: tear down after the container exited (--rm removes).</summary>
    public static Command CreateCleanup(CommandContext context)
    {
        var command = new VerbCommand("cleanup", "Clean up network and mountpoints of one or more containers") { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<bool> rm = new("--rm") { Description = "After cleanup, remove the container entirely" };
        Option<bool> all = new("--all", "-a") { Description = "Cleans up all containers" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(rm);
        command.Options.Add(all);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IEnumerable<string> targets = parseResult.GetValue(all)
                ? engine.Containers.List(new ContainerListOptions { All = true }).Select(c => c.Record.Id).ToList()
                : parseResult.GetValue(names) ?? [];
            foreach (string name in targets)
            {
                await engine.Containers.CleanupAsync(name, parseResult.GetValue(rm), cancellationToken);
            }
            return 0;
        });
        return command;
    }
}
