using System.CommandLine;
using System.Runtime.InteropServices;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;
using Skiff.Image;
using Skiff.Interop;
using Skiff.Runtime;

namespace Skiff.Cli.Commands.Containers;

/// <summary>
/// <c>podman run</c>: create + start; detached it prints the id, attached it streams the container's output and
/// exits with the container's code (125 engine error, 126 cannot invoke, 127 not found).
/// </summary>
public static class RunCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("run", "Run a command in a new container")
        {
            RawAfterPositionals = 1,
            HandlesSignals = true,
            Usage = "[options] IMAGE [COMMAND [ARG...]]",
        };
        var flags = new ContainerFlags();
        Option<bool> detach = new("--detach", "-d") { Description = "Run container in background and print container ID" };
        Option<bool> sigProxy = new("--sig-proxy") { Description = "Proxy received signals to the process", DefaultValueFactory = _ => true };
        command.Options.Add(detach);
        command.Options.Add(sigProxy);
        flags.AddTo(command);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            ContainerCreateOptions options = flags.ToOptions(parseResult);
            await flags.PullIfNeededAsync(context, engine, parseResult, cancellationToken);
            ContainerCreateReport report = await engine.Containers.CreateAsync(options, cancellationToken);
            foreach (string w in report.Warnings)
            {
                context.Err.WriteLine("WARN[0000] " + w);
            }
            if (parseResult.GetValue(detach))
            {
                try
                {
                    await engine.Containers.Runtime.StartAsync(report.Id, cancellationToken);
                }
                catch (Exception e)
                {
                    if (options.AutoRemove)
                    {
                        await RemoveQuietly(engine, report.Id);
                    }
                    if (e is CommandInvocationException ci)
                    {
                        throw new ExitCodeException(ci.ExitCode, ci.Message);
                    }
                    throw;
                }
                context.Out.WriteLine(report.Id);
                return 0;
            }
            return await AttachedAsync(context, engine, report.Id, options.Terminal, options.Interactive, options.AutoRemove, parseResult.GetValue(sigProxy), cancellationToken);
        });
        return command;
    }

    private static async Task RemoveQuietly(EngineAccess engine, string id)
    {
        try
        {
            await engine.Containers.Runtime.RemoveAsync(id, force: true, timeout: 0, volumes: true);
        }
        catch (SkiffException)
        {
        }
    }

    /// <summary>Runs a created container attached to this process's terminal or pipes; returns its exit code.</summary>
    public static async Task<int> AttachedAsync(CommandContext context, EngineAccess engine, string id, bool tty, bool interactive, bool remove, bool sigProxy, CancellationToken cancellationToken)
    {
        context.Out.Flush();
        using Stream stdout = StandardStreams.Open(1);
        using Stream stderr = StandardStreams.Open(2);
        using Stream? stdin = interactive ? StandardStreams.Open(0) : null;
        using RawTerminal? raw = tty && interactive ? RawTerminal.Enter(0) : null;
        var registrations = new List<PosixSignalRegistration>();
        if (sigProxy)
        {
            foreach (PosixSignal s in new[] { PosixSignal.SIGINT, PosixSignal.SIGTERM, PosixSignal.SIGHUP, PosixSignal.SIGQUIT })
            {
                registrations.Add(PosixSignalRegistration.Create(s, c =>
                {
                    c.Cancel = true;
                    int number = c.Signal switch { PosixSignal.SIGINT => Signals.SIGINT, PosixSignal.SIGTERM => Signals.SIGTERM, PosixSignal.SIGHUP => Signals.SIGHUP, _ => Signals.SIGQUIT };
                    _ = Task.Run(() => engine.Containers.ProxySignal(id, number));
                }));
            }
        }
        try
        {
            var streams = new AttachStreams(stdin, stdout, stderr)
            {
                OnResize = tty ? resize =>
                {
                    if (RawTerminal.Size(1) is { } size)
                    {
                        resize(size.Rows, size.Columns);
                    }
                    registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGWINCH, c =>
                    {
                        c.Cancel = true;
                        if (RawTerminal.Size(1) is { } now)
                        {
                            resize(now.Rows, now.Columns);
                        }
                    }));
                } : null,
            };
            try
            {
                return await engine.Containers.StartAttachedAsync(id, streams, remove, cancellationToken);
            }
            catch (CommandInvocationException e)
            {
                throw new ExitCodeException(e.ExitCode, e.Message);
            }
        }
        finally
        {
            foreach (PosixSignalRegistration r in registrations)
            {
                r.Dispose();
            }
        }
    }
}
