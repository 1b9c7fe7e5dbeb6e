using System.CommandLine;
using System.Text.Json.Nodes;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;
using Skiff.Engine;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah info</c>: Buildah's JSON report (host and store), also readable with <c>--format</c> templates.</summary>
public static class BuildahInfoCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("info", "Display Buildah system information");
        Option<string?> format = new("--format") { Description = "use `format` as a Go template to format the output" };
        Option<bool> debug = new("--debug", "-D") { Description = "display additional debug information" };
        command.Options.Add(format);
        command.Options.Add(debug);
        command.SetHandler((parseResult, _) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            StoreInfo info = engine.System.Info();
            var report = new JsonObject
            {
                ["host"] = new JsonObject
                {
                    ["CgroupVersion"] = File.Exists("/sys/fs/cgroup/cgroup.controllers") ? "v2" : "v1",
                    ["OCIRuntime"] = "runc",
                    ["arch"] = Image.Platform.Current.Architecture,
                    ["cpus"] = Environment.ProcessorCount,
                    ["hostname"] = Environment.MachineName,
                    ["kernel"] = Environment.OSVersion.Version.ToString(),
                    ["os"] = "linux",
                    ["rootless"] = false,
                    ["variant"] = Image.Platform.Current.Variant ?? "",
                },
                ["store"] = new JsonObject
                {
                    ["ContainerStore"] = new JsonObject { ["number"] = info.Containers },
                    ["GraphDriverName"] = info.Driver,
                    ["GraphOptions"] = null,
                    ["GraphRoot"] = info.GraphRoot,
                    ["ImageStore"] = new JsonObject { ["number"] = info.Images },
                    ["RunRoot"] = info.RunRoot,
                },
            };
            string? fmt = parseResult.GetValue(format);
            if (!string.IsNullOrEmpty(fmt) && !ReportFormatter.IsJson(fmt))
            {
                ReportFormatter.ForItem("info", fmt).RenderItem(context.Out, report);
            }
            else
            {
                JsonOutput.Write(context.Out, report, escapeHtml: false);
            }
            return Task.FromResult(0);
        });
        return command;
    }
}
