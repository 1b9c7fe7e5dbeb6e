using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Skopeo;

/// <summary>skopeo's small registry verbs: list-tags, delete, manifest-digest.</summary>
public static class RegistryVerbs
{
    public static Command CreateListTags(CommandContext context)
    {
        var command = new VerbCommand("list-tags", "List tags in the transport/repository specified by the SOURCE-IMAGE") { Usage = "[command options] SOURCE-IMAGE" };
        var flags = new RegistryFlags();
        flags.AddTo(command);
        Argument<string> image = new("SOURCE-IMAGE");
        command.Arguments.Add(image);
        command.SetHandler(async (parseResult, ct) =>
        {
            (string repository, IReadOnlyList<string> tags) = await ImageEngine.ListTagsAsync(parseResult.GetValue(image)!, flags.Read(parseResult), ct);
            JsonOutput.Write(context.Out, new JsonObject
            {
                ["Repository"] = repository,
                ["Tags"] = new JsonArray(tags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray()),
            });
            return 0;
        });
        return command;
    }

    public static Command CreateDelete(CommandContext context)
    {
        var command = new VerbCommand("delete", "Delete image IMAGE-NAME") { Usage = "[command options] IMAGE-NAME" };
        var flags = new RegistryFlags();
        flags.AddTo(command);
        Argument<string> image = new("IMAGE-NAME");
        command.Arguments.Add(image);
        command.SetHandler(async (parseResult, ct) =>
        {
            string name = parseResult.GetValue(image)!;
            await SkopeoStore.WithStoreIfNeededAsync(context, parseResult, name, async store =>
            {
                await ImageEngine.DeleteImageAsync(store, name, flags.Read(parseResult), ct);
                return 0;
            });
            return 0;
        });
        return command;
    }

    public static Command CreateManifestDigest(CommandContext context)
    {
        var command = new VerbCommand("manifest-digest", "Compute a manifest digest of a file") { Usage = "MANIFEST" };
        Argument<string> manifest = new("MANIFEST");
        command.Arguments.Add(manifest);
        command.SetHandler(async (parseResult, ct) =>
        {
            Digest digest = await ImageEngine.ManifestDigestAsync(parseResult.GetValue(manifest)!, ct);
            context.Out.WriteLine(digest.ToString());
            return 0;
        });
        return command;
    }
}
