using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;
using Skiff.Image.Transports;

namespace Skiff.Cli.Commands.Registry;

/// <summary><c>podman manifest</c> (only <c>inspect</c> of a registry image so far).</summary>
public static class ManifestCommand
{
    public static Command Create(CommandContext context)
    {
        var group = new VerbCommand("manifest", "Manipulate manifest lists and image indexes");
        group.Subcommands.Add(CreateInspect(context));
        return group;
    }

    public static Command CreateInspect(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Display the contents of a manifest list or image index") { Usage = "[options] IMAGE" };
        var flags = new RegistryFlags(creds: false, certDir: false);
        Argument<string> image = new("IMAGE");
        flags.AddTo(command);
        command.Arguments.Add(image);
        command.SetHandler(async (parseResult, ct) =>
        {
            ManifestBlob manifest = await ImageEngine.RemoteManifestAsync(parseResult.GetValue(image)!, flags.Read(parseResult), ct);
            JsonOutput.Write(context.Out, JsonNode.Parse(manifest.Bytes));
            return 0;
        });
        return command;
    }
}
