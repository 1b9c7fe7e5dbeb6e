using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah inspect [--type container|image] NAME</c>: Buildah's builder JSON.</summary>
public static class BuildahInspectCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Inspect the configuration of a container or image") { Usage = "[options] [CONTAINER|IMAGE]" };
        Option<string?> type = new("--type", "-t") { Description = "look at the item of the specified type (container or image) and name" };
        Option<string?> format = new("--format", "-f") { Description = "use `format` as a Go template to format the output" };
        Argument<string> name = new("NAME");
        command.Options.Add(type);
        command.Options.Add(format);
        command.Arguments.Add(name);
        command.SetHandler((parseResult, _) =>
        {
            string target = parseResult.GetValue(name)!;
            string kind = parseResult.GetValue(type) ?? "container";
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            JsonObject json = kind switch
            {
                "container" => access.Build.Containers.Find(target) is not null ? access.Build.InspectContainer(target) : access.Build.InspectImage(target),
                "image" => access.Build.InspectImage(target),
                _ => throw new UsageException($"the only recognized types are \"container\" and \"image\""),
            };
            if (parseResult.GetValue(format) is { Length: > 0 } template)
            {
                ReportFormatter.ForItem("inspect", template).RenderItem(context.Out, json);
            }
            else
            {
                JsonOutput.Write(context.Out, json);
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
