using System.CommandLine;
using Skiff.Build.Run;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah run CONTAINER -- COMMAND [ARGS...]</c>: exits with the command's exit code.</summary>
public static class RunCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("run", "Run a command inside of the container")
        {
            Usage = "[options] CONTAINER-NAME-OR-ID [--] COMMAND [ARGS [...]]",
            RawAfterPositionals = 1,
            StripSeparator = true,
            HandlesSignals = true,
        };
        Option<string[]> env = new("--env", "-e") { Description = "add environment variable to be set temporarily when running command" };
        Option<string?> workingdir = new("--workingdir") { Description = "temporarily set working directory for command" };
        Option<string?> user = new("--user") { Description = "user[:group] to run the command as" };
        Option<string[]> volume = new("--volume", "-v") { Description = "bind mount a host location into the container while running the command" };
        Option<string?> network = new("--network", "--net") { Description = "'host' or 'none' (host by default)" };
        Option<string?> isolation = new("--isolation") { Description = "type of process isolation to use (oci, chroot)" };
        Option<string[]> capAdd = new("--cap-add") { Description = "add the specified capability" };
        Option<string[]> capDrop = new("--cap-drop") { Description = "drop the specified capability" };
        Option<bool> terminal = new("--terminal", "-t") { Description = "allocate a pseudo-TTY in the container" };
        Option<string?> runtime = new("--runtime") { Description = "`path` to an alternate OCI runtime" };
        Argument<string> container = new("CONTAINER");
        Argument<string[]> args = new("COMMAND") { Arity = ArgumentArity.ZeroOrMore };
        foreach (Option o in new Option[] { env, workingdir, user, volume, network, isolation, capAdd, capDrop, terminal, runtime })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(container);
        command.Arguments.Add(args);
        command.SetHandler(async (parseResult, ct) =>
        {
            string[] cmd = parseResult.GetValue(args) ?? [];
            if (cmd.Length == 0)
            {
                throw new ArgumentCountException("command must be specified");
            }
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            var builder = access.Build.Open(parseResult.GetValue(container)!);
            int code = await access.Build.Containers.RunAsync(builder, new RunRequest
            {
                Command = cmd,
                Env = parseResult.GetValue(env) ?? [],
                WorkingDir = parseResult.GetValue(workingdir),
                User = parseResult.GetValue(user),
                Volumes = parseResult.GetValue(volume) ?? [],
                Network = parseResult.GetValue(network),
                Isolation = parseResult.GetValue(isolation) ?? builder.State.Isolation,
                CapAdd = parseResult.GetValue(capAdd) ?? [],
                CapDrop = parseResult.GetValue(capDrop) ?? [],
                Terminal = parseResult.GetValue(terminal),
                Runtime = parseResult.GetValue(runtime) ?? Environment.GetEnvironmentVariable("BUILDAH_RUNTIME") ?? "runc",
                RuntimeStateRoot = Path.Combine(access.Engine.Store.Options.RunRoot, "buildah-runc"),
            }, ct);
            if (code != 0)
            {
                throw new ExitCodeException(code, null);
            }
            return 0;
        });
        return command;
    }
}
