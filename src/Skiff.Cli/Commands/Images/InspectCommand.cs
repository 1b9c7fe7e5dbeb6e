using System.CommandLine;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman inspect</c> / <c>podman image inspect</c> for images: podman's JSON shape or a template per item.</summary>
public static class InspectCommand
{
    public static Command Create(CommandContext context) => Create(context, "inspect");

    public static Command Create(CommandContext context, string name)
    {
        var command = new VerbCommand(name, "Display the configuration of an image");
        Option<string?> format = new("--format", "-f") { Description = "Format the output to a Go template or json" };
        Option<string?> type = new("--type", "-t") { Description = "Specify inspect-object type (image, all)" };
        Argument<string[]> names = new("NAME") { Arity = ArgumentArity.OneOrMore };
        command.Options.Add(format);
        if (name == "inspect")
        {
            command.Options.Add(type);
        }
        command.Arguments.Add(names);
        command.SetHandler((parseResult, _) =>
        {
            if (parseResult.GetValue(type) is { } t && t is not ("image" or "all"))
            {
                throw new SkiffException($"inspecting objects of type \"{t}\" is not supported yet");
            }
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            var reports = new List<ImageInspectReport>();
            var errors = new List<string>();
            foreach (string n in parseResult.GetValue(names)!)
            {
                try
                {
                    reports.Add(engine.Images.Inspect(n));
                }
                catch (ImageNotFoundException)
                {
                    errors.Add($"no such object: \"{n}\"");
                }
            }
            string? fmt = parseResult.GetValue(format);
            JsonArray array = JsonSerializer.SerializeToNode(reports, EngineJsonContext.Default.ListImageInspectReport)!.AsArray();
            InspectOutput.Write(context, array, fmt, errors);
            return Task.FromResult(0);
        });
        return command;
    }
}
