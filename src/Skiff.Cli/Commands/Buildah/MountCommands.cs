using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Build;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah mount</c> and <c>buildah umount</c>.</summary>
public static class MountCommands
{
    public static Command CreateMount(CommandContext context)
    {
        var command = new VerbCommand("mount", "Mount a working container's root filesystem") { Usage = "[CONTAINER-NAME-OR-ID [...]]" };
        Option<bool> noTruncate = new("--notruncate") { Description = "do not truncate output" };
        Option<bool> json = new("--json") { Description = "output in JSON format" };
        Argument<string[]> containers = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(noTruncate);
        command.Options.Add(json);
        command.Arguments.Add(containers);
        command.SetHandler(async (parseResult, ct) =>
        {
            string[] names = parseResult.GetValue(containers) ?? [];
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            if (names.Length == 0)
            {
                foreach (MountedContainer m in await access.Build.ListMountedAsync(ct))
                {
                    context.Out.WriteLine($"{m.ContainerName} {m.MountPoint}");
                }
                return 0;
            }
            foreach (string name in names)
            {
                string path = await access.Build.MountAsync(name, ct);
                context.Out.WriteLine(names.Length > 1 ? $"{name} {path}" : path);
            }
            return 0;
        });
        return command;
    }

    public static Command CreateUmount(CommandContext context)
    {
        var command = new VerbCommand("umount", "Unmount the root file system of the specified working containers") { Usage = "CONTAINER-NAME-OR-ID [...]" };
        command.Aliases.Add("unmount");
        Option<bool> all = new("--all", "-a") { Description = "umount all of the currently mounted containers" };
        Argument<string[]> containers = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Arguments.Add(containers);
        command.SetHandler(async (parseResult, ct) =>
        {
            (string[] names, bool everything) = BuildahAccess.Targets(parseResult, containers, all,
                "at least one container name or ID must be specified", "when using the --all switch, you may not pass any container IDs");
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            IEnumerable<string> targets = everything ? access.Build.Containers.List().Select(b => b.Id).ToList() : names;
            foreach (string name in targets)
            {
                string id = access.Build.Open(name).Id;
                await access.Build.UnmountAsync(id, ct);
                context.Out.WriteLine(id);
            }
            return 0;
        });
        return command;
    }
}
