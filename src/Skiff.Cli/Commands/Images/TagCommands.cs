using System.CommandLine;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman tag</c> and <c>podman untag</c>.</summary>
public static class TagCommands
{
    public static Command CreateTag(CommandContext context)
    {
        var command = new VerbCommand("tag", "Add an additional name to a local image");
        Argument<string> image = new("IMAGE");
        Argument<string[]> names = new("TARGET_NAME") { Arity = ArgumentArity.OneOrMore };
        command.Arguments.Add(image);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, ct) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            await engine.Images.TagAsync(parseResult.GetValue(image)!, parseResult.GetValue(names)!, ct);
            return 0;
        });
        return command;
    }

    public static Command CreateUntag(CommandContext context)
    {
        var command = new VerbCommand("untag", "Remove a name from a local image");
        Argument<string> image = new("IMAGE");
        Argument<string[]> names = new("NAME") { Arity = ArgumentArity.ZeroOrMore };
        command.Arguments.Add(image);
        command.Arguments.Add(names);
        command.SetHandler(async (parseResult, ct) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            await engine.Images.UntagAsync(parseResult.GetValue(image)!, parseResult.GetValue(names) ?? [], ct);
            return 0;
        });
        return command;
    }
}
