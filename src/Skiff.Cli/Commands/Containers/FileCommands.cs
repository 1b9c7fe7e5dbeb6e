using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;
using Skiff.Runtime;

namespace Skiff.Cli.Commands.Containers;

/// <summary>commit, cp, diff, export, mount, unmount, container prune.</summary>
public static class FileCommands
{
    public static Command CreateCommit(CommandContext context)
    {
        var command = new VerbCommand("commit", "Create new image based on the changed container") { Usage = "[options] CONTAINER [IMAGE]" };
        Option<string[]> change = new("--change", "-c") { Description = "Apply the following possible instructions to the created image (default []): CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | ONBUILD | STOPSIGNAL | USER | VOLUME | WORKDIR" };
        Option<string?> message = new("--message", "-m") { Description = "Set commit message for imported image" };
        Option<string?> author = new("--author", "-a") { Description = "Set the author for the image committed" };
        Option<bool> pause = new("--pause", "-p") { Description = "Pause container during commit" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress output" };
        Option<bool> squash = new("--squash") { Description = "squash newly built layers into a single new layer" };
        Option<string?> format = new("--format", "-f") { Description = "`Format` of the image manifest and metadata" };
        Argument<string> container = new("CONTAINER");
        Argument<string?> image = new("IMAGE") { Arity = ArgumentArity.ZeroOrOne };
        foreach (Option o in new Option[] { change, message, author, pause, quiet, squash, format })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(container);
        command.Arguments.Add(image);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            string? fmt = parseResult.GetValue(format);
            if (fmt is not (null or "oci" or "docker"))
            {
                throw new UsageException($"unrecognized image type \"{fmt}\"");
            }
            string id = await engine.Containers.CommitAsync(new CommitOptions
            {
                Container = parseResult.GetValue(container)!,
                Reference = parseResult.GetValue(image),
                Changes = parseResult.GetValue(change) ?? [],
                Message = parseResult.GetValue(message),
                Author = parseResult.GetValue(author),
                Pause = parseResult.GetValue(pause),
                Squash = parseResult.GetValue(squash),
                Format = fmt,
            }, cancellationToken);
            context.Out.WriteLine(id);
            return 0;
        });
        return command;
    }

    public static Command CreateCp(CommandContext context)
    {
        var command = new VerbCommand("cp", "Copy files/folders between a container and the local filesystem") { Usage = "[options] [CONTAINER:]SRC_PATH [CONTAINER:]DEST_PATH" };
        Option<bool> archive = new("--archive", "-a") { Description = "Chown copied files to the primary uid/gid of the destination container.", DefaultValueFactory = _ => true };
        Option<bool> overwrite = new("--overwrite") { Description = "Allow to overwrite directories with non-directories and vice versa" };
        Argument<string> source = new("SRC_PATH");
        Argument<string> dest = new("DEST_PATH");
        command.Options.Add(archive);
        command.Options.Add(overwrite);
        command.Arguments.Add(source);
        command.Arguments.Add(dest);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            (string? srcCtr, string srcPath) = Split(parseResult.GetValue(source)!);
            (string? dstCtr, string dstPath) = Split(parseResult.GetValue(dest)!);
            if (srcCtr is not null && dstCtr is not null)
            {
                throw new UsageException("copying between containers is not supported");
            }
            if (srcCtr is null && dstCtr is null)
            {
                throw new UsageException("invalid arguments " + parseResult.GetValue(source) + ", " + parseResult.GetValue(dest) + " you must use just one container");
            }
            if (srcCtr is not null)
            {
                await engine.Containers.CopyFromContainerAsync(srcCtr, srcPath, dstPath, cancellationToken);
            }
            else
            {
                await engine.Containers.CopyToContainerAsync(dstCtr!, srcPath, dstPath, cancellationToken);
            }
            return 0;
        });
        return command;
    }

    /// <summary>"ctr:/path" to (ctr, /path); a path (absolute, relative with ./ or without a colon) to (null, path).</summary>
    private static (string? Container, string Path) Split(string arg)
    {
        if (arg.StartsWith('/') || arg.StartsWith('.'))
        {
            return (null, arg);
        }
        int colon = arg.IndexOf(':', StringComparison.Ordinal);
        return colon > 0 ? (arg[..colon], arg[(colon + 1)..]) : (null, arg);
    }

    public static Command CreateDiff(CommandContext context)
    {
        var command = new VerbCommand("diff", "Inspect changes to the container's file systems") { Usage = "[options] CONTAINER" };
        Option<string?> format = new("--format") { Description = "Change the output format (json)" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Argument<string?> container = new("CONTAINER") { Arity = ArgumentArity.ZeroOrOne };
        command.Options.Add(format);
        command.Options.Add(latest);
        command.Arguments.Add(container);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            string target = parseResult.GetValue(latest) ? engine.Containers.Latest().Record.Id
                : parseResult.GetValue(container) ?? throw new UsageException("you must provide a container name or ID");
            IReadOnlyList<ContainerChange> changes = engine.Containers.Diff(target);
            if (parseResult.GetValue(format) == "json")
            {
                var o = new global::System.Text.Json.Nodes.JsonObject();
                foreach (IGrouping<char, ContainerChange> g in changes.GroupBy(c => c.Kind))
                {
                    o[g.Key switch { 'A' => "added", 'C' => "changed", _ => "deleted" }] = new global::System.Text.Json.Nodes.JsonArray([.. g.Select(c => (global::System.Text.Json.Nodes.JsonNode?)c.Path)]);
                }
                Skiff.Cli.Output.JsonOutput.Write(context.Out, o);
                return Task.FromResult(0);
            }
            foreach (ContainerChange c in changes)
            {
                context.Out.WriteLine($"{c.Kind} {c.Path}");
            }
            return Task.FromResult(0);
        });
        return command;
    }

    public static Command CreateExport(CommandContext context)
    {
        var command = new VerbCommand("export", "Export container's filesystem contents as a tar archive") { Usage = "[options] CONTAINER" };
        Option<string?> output = new("--output", "-o") { Description = "Write to a specified file (default: stdout, which must be redirected)" };
        Argument<string> container = new("CONTAINER");
        command.Options.Add(output);
        command.Arguments.Add(container);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            string? file = parseResult.GetValue(output);
            if (file is null && !Console.IsOutputRedirected)
            {
                throw new UsageException("refusing to export to terminal. Use -o flag or redirect");
            }
            context.Out.Flush();
            await using Stream target = file is null ? StandardStreams.Open(1) : File.Create(file);
            await engine.Containers.ExportAsync(parseResult.GetValue(container)!, target, cancellationToken);
            return 0;
        });
        return command;
    }

    public static Command CreateMount(CommandContext context)
    {
        var command = new VerbCommand("mount", "Mount a working container's root filesystem") { Usage = "[options] [CONTAINER...]" };
        Option<bool> all = new("--all", "-a") { Description = "Mount all containers" };
        Option<bool> notrunc = new("--no-trunc") { Description = "Do not truncate output" };
        Option<string?> format = new("--format") { Description = "Print the mounted containers in specified format (json)" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Options.Add(notrunc);
        command.Options.Add(format);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            string[] given = parseResult.GetValue(names) ?? [];
            if (parseResult.GetValue(all))
            {
                given = engine.Containers.List(new ContainerListOptions { All = true }).Select(c => c.Record.Id).ToArray();
            }
            if (given.Length == 0)
            {
                foreach ((ContainerInfo c, string path) in engine.Containers.Mounted())
                {
                    context.Out.WriteLine($"{(parseResult.GetValue(notrunc) ? c.Record.Id : c.Record.Id[..12])}  {path}");
                }
                return 0;
            }
            foreach (string name in given)
            {
                string path = await engine.Containers.MountAsync(name, cancellationToken);
                context.Out.WriteLine(given.Length > 1 ? $"{engine.Containers.Get(name).Record.Id} {path}" : path);
            }
            return 0;
        });
        return command;
    }

    public static Command CreateUnmount(CommandContext context)
    {
        var command = new VerbCommand("unmount", "Unmount working container's root filesystem") { Usage = "[options] CONTAINER [CONTAINER...]" };
        command.Aliases.Add("umount");
        Option<bool> all = new("--all", "-a") { Description = "Unmount all of the currently mounted containers" };
        Option<bool> force = new("--force", "-f") { Description = "Force the complete unmount of the specified mounted containers" };
        Argument<string[]> names = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        command.Options.Add(all);
        command.Options.Add(force);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IEnumerable<string> targets = parseResult.GetValue(all)
                ? engine.Containers.Mounted().Select(m => m.Container.Record.Id).ToList()
                : parseResult.GetValue(names) ?? [];
            foreach (string name in targets)
            {
                context.Out.WriteLine(await engine.Containers.UnmountAsync(name, parseResult.GetValue(force), cancellationToken));
            }
            return 0;
        });
        return command;
    }

    public static Command CreatePrune(CommandContext context)
    {
        var command = new VerbCommand("prune", "Remove all non running containers");
        Option<bool> force = new("--force", "-f") { Description = "Do not prompt for confirmation.  The default is false" };
        Option<string[]> filter = new("--filter") { Description = "Provide filter values (e.g. 'label=<key>=<value>')" };
        command.Options.Add(force);
        command.Options.Add(filter);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var targets = engine.Containers.List(new ContainerListOptions { All = true, Filters = parseResult.GetValue(filter) ?? [] })
                .Where(c => c.Status.State is not (ContainerState.Running or ContainerState.Paused)).Select(c => c.Record.Id).ToList();
            IReadOnlyList<ContainerOpReport> reports = await engine.Containers.RemoveAsync(new ContainerRemoveOptions { Names = targets }, cancellationToken);
            return LifecycleCommands.Report(context, reports, printId: true);
        });
        return command;
    }
}
