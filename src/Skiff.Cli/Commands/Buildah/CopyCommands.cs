using System.CommandLine;
using Skiff.Build.Copy;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah copy</c> and <c>buildah add</c>: CONTAINER SRC [SRC...] DEST.</summary>
public static class CopyCommands
{
    public static Command CreateCopy(CommandContext context) => Create(context, "copy", "Copy content into a container", extract: false);

    public static Command CreateAdd(CommandContext context) => Create(context, "add", "Add content to the container", extract: true);

    private static Command Create(CommandContext context, string verb, string description, bool extract)
    {
        var command = new VerbCommand(verb, description) { Usage = "CONTAINER-NAME-OR-ID [[FILE | DIRECTORY | URL] ...] [DESTINATION]" };
        Option<string?> chown = new("--chown") { Description = "set the user and group ownership of the destination content" };
        Option<string?> chmod = new("--chmod") { Description = "set the access permissions of the destination content" };
        Option<string?> from = new("--from") { Description = "use the specified container's or image's root directory as the source root directory" };
        Option<string?> contextDir = new("--contextdir") { Description = "context directory path" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "don't output a digest of the newly-added/copied content" };
        Option<bool> addHistory = new("--add-history") { Description = "add an entry for this operation to the image's history" };
        Argument<string> container = new("CONTAINER");
        Argument<string[]> paths = new("PATH") { Arity = ArgumentArity.OneOrMore };
        command.Options.Add(chown);
        command.Options.Add(chmod);
        command.Options.Add(from);
        command.Options.Add(contextDir);
        command.Options.Add(quiet);
        command.Options.Add(addHistory);
        command.Arguments.Add(container);
        command.Arguments.Add(paths);
        command.SetHandler(async (parseResult, ct) =>
        {
            string[] args = parseResult.GetValue(paths) ?? [];
            if (args.Length < 1)
            {
                throw new ArgumentCountException("src must be specified");
            }
            // One path is a source copied to the working directory, as Buildah allows.
            string destination = args.Length == 1 ? "." : args[^1];
            string[] sources = args.Length == 1 ? args : args[..^1];
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            await access.Build.CopyAsync(parseResult.GetValue(container)!, new AddCopyRequest
            {
                Sources = sources,
                Destination = destination,
                ExtractArchives = extract,
                Chown = parseResult.GetValue(chown),
                Chmod = parseResult.GetValue(chmod),
                ContextDir = parseResult.GetValue(contextDir),
            }, parseResult.GetValue(from), ct);
            return 0;
        });
        return command;
    }
}
