using System.CommandLine;
using System.Diagnostics;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary>
/// <c>buildah unshare [-m [VAR=]CONTAINER] [COMMAND [ARGS...]]</c>: runs a command (default <c>$SHELL</c>) in a mount
/// namespace of its own, with the named working containers mounted and their paths in environment variables.
/// We run as root, so no user namespace is needed to reach the store: Buildah's re-exec into one is skipped, and
/// the mount namespace comes from util-linux's unshare when it is installed.
/// </summary>
public static class UnshareCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("unshare", "Run a command in a modified user namespace")
        {
            Usage = "[options] [COMMAND [ARGS [...]]]",
            RawAfterPositionals = 1,
            HandlesSignals = true,
        };
        Option<string[]> mount = new("--mount", "-m") { Description = "mount the specified containers (default [])" };
        Argument<string[]> args = new("COMMAND") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(mount);
        command.Arguments.Add(args);
        command.SetHandler(async (parseResult, ct) =>
        {
            string[] cmd = parseResult.GetValue(args) ?? [];
            if (cmd.Length == 0)
            {
                cmd = [Environment.GetEnvironmentVariable("SHELL") is { Length: > 0 } shell ? shell : "/bin/sh"];
            }
            string[] mounts = parseResult.GetValue(mount) ?? [];
            var env = new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["BUILDAH_ISOLATION"] = Environment.GetEnvironmentVariable("BUILDAH_ISOLATION") ?? "rootless",
                ["_CONTAINERS_USERNS_CONFIGURED"] = "done",
                ["_CONTAINERS_ROOTLESS_UID"] = "0",
                ["_CONTAINERS_ROOTLESS_GID"] = "0",
            };
            var mounted = new List<string>();
            using BuildahAccess? access = mounts.Length > 0 ? BuildahAccess.Open(context, parseResult) : null;
            try
            {
                foreach (string m in mounts)
                {
                    int eq = m.IndexOf('=');
                    string variable = eq < 0 ? m : m[..eq];
                    string container = eq < 0 ? m : m[(eq + 1)..];
                    string path = await access!.Build.MountAsync(container, ct);
                    mounted.Add(container);
                    env[variable] = path;
                }
                string? unshare = new[] { "/usr/bin/unshare", "/bin/unshare" }.FirstOrDefault(File.Exists);
                var start = new ProcessStartInfo(unshare ?? cmd[0]) { UseShellExecute = false };
                if (unshare is not null)
                {
                    foreach (string a in new[] { "--mount", "--propagation", "slave", "--" })
                    {
                        start.ArgumentList.Add(a);
                    }
                    start.ArgumentList.Add(cmd[0]);
                }
                foreach (string a in cmd.Skip(1))
                {
                    start.ArgumentList.Add(a);
                }
                foreach ((string k, string v) in env)
                {
                    start.Environment[k] = v;
                }
                context.Out.Flush();
                Process child;
                try
                {
                    child = Process.Start(start) ?? throw new ExitCodeException(125, $"running {cmd[0]} failed");
                }
                catch (global::System.ComponentModel.Win32Exception e)
                {
                    throw new ExitCodeException(127, $"exec: \"{cmd[0]}\": {e.Message}");
                }
                using (child)
                {
                    await child.WaitForExitAsync(CancellationToken.None);
                    if (child.ExitCode != 0)
                    {
                        throw new ExitCodeException(child.ExitCode, null);
                    }
                }
            }
            finally
            {
                foreach (string c in mounted)
                {
                    await access!.Build.UnmountAsync(c, CancellationToken.None);
                }
            }
            return 0;
        });
        return command;
    }
}
