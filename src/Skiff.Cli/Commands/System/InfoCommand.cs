using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine;

namespace Skiff.Cli.Commands.System;

/// <summary>
/// <c>podman info</c>: the store part of podman's report. Templates see Go field names
/// (<c>{{.Store.GraphRoot}}</c>); JSON output uses podman's camelCase tags.
/// </summary>
public static class InfoCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("info", "Display podman system information");
        Option<string?> format = new("--format", "-f") { Description = "Change the output format to JSON or a Go template" };
        command.Options.Add(format);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            StoreInfo info = engine.System.Info();
            var report = new JsonObject
            {
                ["Host"] = new JsonObject
                {
                    ["Arch"] = Image.Platform.Current.Architecture,
                    ["OS"] = "linux",
                    ["Hostname"] = Environment.MachineName,
                    ["Kernel"] = Environment.OSVersion.Version.ToString(),
                },
                ["Store"] = new JsonObject
                {
                    ["ConfigFile"] = info.ConfigFile ?? "",
                    ["ContainerStore"] = new JsonObject { ["Number"] = info.Containers },
                    ["GraphDriverName"] = info.Driver,
                    ["GraphRoot"] = info.GraphRoot,
                    ["ImageStore"] = new JsonObject { ["Number"] = info.Images },
                    ["LayerStore"] = new JsonObject { ["Number"] = info.Layers },
                    ["RunRoot"] = info.RunRoot,
                },
                ["Version"] = new JsonObject
                {
                    ["Version"] = SkiffVersion.Value,
                    ["OsArch"] = "linux/" + Image.Platform.Current.Architecture,
                },
            };
            string? fmt = parseResult.GetValue(format);
            if (ReportFormatter.IsJson(fmt))
            {
                JsonOutput.Write(context.Out, CamelCase(report));
            }
            else if (!string.IsNullOrEmpty(fmt))
            {
                ReportFormatter.ForItem("info", fmt).RenderItem(context.Out, report);
            }
            else
            {
                WriteYaml(context.Out, CamelCase(report).AsObject(), 0);
            }
            return Task.FromResult(0);
        });
        return command;
    }

    private static JsonNode CamelCase(JsonNode node)
    {
        if (node is not JsonObject obj)
        {
            return node.DeepClone();
        }
        var result = new JsonObject();
        foreach ((string key, JsonNode? value) in obj)
        {
            string name = key == "OS" ? "os" : char.ToLowerInvariant(key[0]) + key[1..];
            result[name] = value is null ? null : CamelCase(value);
        }
        return result;
    }

    // podman prints info as YAML by default.
    private static void WriteYaml(TextWriter output, JsonObject obj, int indent)
    {
        foreach ((string key, JsonNode? value) in obj)
        {
            output.Write(new string(' ', indent));
            if (value is JsonObject child)
            {
                output.Write(key + ":\n");
                WriteYaml(output, child, indent + 2);
            }
            else
            {
                string text = value?.ToString() ?? "";
                output.Write($"{key}: {(text.Length == 0 ? "\"\"" : text)}\n");
            }
        }
    }
}
