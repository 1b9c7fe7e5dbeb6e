using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;
using Skiff.Runtime;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman exec</c>: the process's exit code is the command's (126/127 when it cannot run).</summary>
public static class ExecCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("exec", "Run a process in a running container")
        {
            RawAfterPositionals = 1,
            HandlesSignals = true,
            Usage = "[options] CONTAINER [COMMAND [ARG...]]",
        };
        Option<bool> detach = new("--detach", "-d") { Description = "Run the exec session in detached mode (backgrounded)" };
        Option<string[]> env = new("--env", "-e") { Description = "Set environment variables" };
        Option<string[]> envFile = new("--env-file") { Description = "Read in a file of environment variables" };
        Option<bool> interactive = new("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
        Option<bool> tty = new("--tty", "-t") { Description = "Allocate a pseudo-TTY. The default is false" };
        Option<string?> user = new("--user", "-u") { Description = "Sets the username or UID used and optionally the groupname or GID for the specified command" };
        Option<string?> workdir = new("--workdir", "-w") { Description = "Working directory inside the container" };
        Option<bool> privileged = new("--privileged") { Description = "Give the process extended Linux capabilities inside the container.  The default is false" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Argument<string> container = new("CONTAINER");
        Argument<string[]> cmd = new("COMMAND") { Arity = ArgumentArity.ZeroOrMore };
        foreach (Option o in new Option[] { detach, env, envFile, interactive, tty, user, workdir, privileged, latest })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(container);
        command.Arguments.Add(cmd);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var envs = new List<string>();
            foreach (string file in parseResult.GetValue(envFile) ?? [])
            {
                envs.AddRange(File.ReadAllLines(file).Where(l => l.Trim().Length > 0 && !l.TrimStart().StartsWith('#')));
            }
            envs.AddRange(parseResult.GetValue(env) ?? []);
            string target = parseResult.GetValue(latest) ? engine.Containers.Latest().Record.Id : parseResult.GetValue(container)!;
            context.Out.Flush();
            try
            {
                int code = await engine.Containers.ExecAsync(new ExecOptions
                {
                    Container = target,
                    Command = parseResult.GetValue(cmd) ?? [],
                    Env = envs,
                    User = parseResult.GetValue(user),
                    WorkingDir = parseResult.GetValue(workdir),
                    Terminal = parseResult.GetValue(tty),
                    Interactive = parseResult.GetValue(interactive),
                    Detach = parseResult.GetValue(detach),
                    Privileged = parseResult.GetValue(privileged),
                }, cancellationToken);
                if (parseResult.GetValue(detach))
                {
                    context.Out.WriteLine(Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N"));
                }
                return code;
            }
            catch (CommandInvocationException e)
            {
                throw new ExitCodeException(e.ExitCode, e.Message);
            }
        });
        return command;
    }
}
