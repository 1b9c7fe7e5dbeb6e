using System.CommandLine;
using System.Text;
using System.Text.Json.Nodes;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Skopeo;

/// <summary><c>skopeo inspect IMAGE-NAME</c>: skopeo's JSON summary, or the raw manifest / config.</summary>
public static class SkopeoInspectCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("inspect", "Inspect image IMAGE-NAME") { Usage = "[command options] IMAGE-NAME" };
        var flags = new RegistryFlags();
        Option<bool> raw = new("--raw") { Description = "output raw manifest or configuration" };
        Option<bool> config = new("--config") { Description = "output configuration" };
        Option<bool> noTags = new("--no-tags", "-n") { Description = "Do not list the available tags from the repository in the output" };
        Option<string?> format = new("--format", "-f") { Description = "Format the output to a Go template" };
        flags.AddTo(command);
        foreach (Option o in new Option[] { raw, config, noTags, format })
        {
            command.Options.Add(o);
        }
        Argument<string> image = new("IMAGE-NAME");
        command.Arguments.Add(image);
        command.SetHandler(async (parseResult, ct) =>
        {
            string name = parseResult.GetValue(image)!;
            bool wantRaw = parseResult.GetValue(raw);
            bool wantConfig = parseResult.GetValue(config);
            RemoteInspectReport report = await SkopeoStore.WithStoreIfNeededAsync(context, parseResult, name, store =>
                ImageEngine.InspectRemoteAsync(store, new RemoteInspectOptions
                {
                    Name = name,
                    Access = flags.Read(parseResult),
                    Platform = SkopeoPlatform.From(context.Settings(parseResult)),
                    NoTags = parseResult.GetValue(noTags) || wantRaw || wantConfig,
                }, ct));
            if (wantRaw)
            {
                // skopeo writes the bytes exactly as stored, without a newline.
                context.Out.Write(Encoding.UTF8.GetString(wantConfig ? report.RawConfig : report.RawManifest));
                return 0;
            }
            if (wantConfig)
            {
                JsonOutput.Write(context.Out, JsonNode.Parse(report.RawConfig));
                return 0;
            }
            JsonObject output = Render(report);
            if (parseResult.GetValue(format) is { } template)
            {
                ListOutput.Write(context.Out, new ListOutputOptions
                {
                    Name = "inspect",
                    DefaultFormat = template,
                    Headers = [],
                    Format = template,
                }, [output.DeepClone()]);
                return 0;
            }
            JsonOutput.Write(context.Out, output);
            return 0;
        });
        return command;
    }

    /// <summary>skopeo 1.9's inspect shape (Name, Digest, RepoTags, Created, DockerVersion, Labels, Architecture, Os, Layers, Env).</summary>
    private static JsonObject Render(RemoteInspectReport report)
    {
        ImageConfig config = report.Config;
        var result = new JsonObject();
        if (report.Name is not null)
        {
            result["Name"] = report.Name;
        }
        result["Digest"] = report.Digest.ToString();
        result["RepoTags"] = new JsonArray(report.RepoTags.Select(t => (JsonNode?)JsonValue.Create(t)).ToArray());
        result["Created"] = config.Created is { } created ? created.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.FFFFFFFZ", global::System.Globalization.CultureInfo.InvariantCulture) : null;
        result["DockerVersion"] = config.Extra?.TryGetValue("docker_version", out var dv) == true ? dv.GetString() : "";
        result["Labels"] = config.Config?.Labels is { } labels ? new JsonObject(labels.Select(l => KeyValuePair.Create(l.Key, (JsonNode?)JsonValue.Create(l.Value)))) : null;
        result["Architecture"] = config.Architecture;
        if (!string.IsNullOrEmpty(config.Variant))
        {
            result["Variant"] = config.Variant;
        }
        result["Os"] = config.Os;
        result["Layers"] = new JsonArray(report.Manifest.Layers.Select(l => (JsonNode?)JsonValue.Create(l.Digest.ToString())).ToArray());
        result["Env"] = config.Config?.Env is { } env ? new JsonArray(env.Select(e => (JsonNode?)JsonValue.Create(e)).ToArray()) : null;
        return result;
    }
}
