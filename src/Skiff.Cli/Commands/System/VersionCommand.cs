using System.CommandLine;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Skiff.Cli.Framework;
using Skiff.Cli.Output;

namespace Skiff.Cli.Commands.System;

/// <summary>
/// <c>podman version</c> / <c>buildah version</c>. Kept free of the engine: it must start fast.
/// </summary>
public static class VersionCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("version", context.Face == FaceKind.Buildah
            ? "Display the Buildah version information"
            : "Display the Podman version information");
        Option<string?> format = new("--format", "-f") { Description = "Change the output format to JSON or a Go template" };
        Option<bool> json = new("--json") { Description = "Output in JSON format" };
        if (context.Face == FaceKind.Buildah) command.Options.Add(json);
        else command.Options.Add(format);

        command.SetHandler((parseResult, _) =>
        {
            if (context.Face == FaceKind.Buildah)
                WriteBuildah(context.Out, parseResult.GetValue(json));
            else
                WritePodman(context.Out, parseResult.GetValue(format));
            return Task.FromResult(0);
        });
        return command;
    }

    public static VersionReport Report() => new()
    {
        Client = new ClientVersion
        {
            ApiVersion = SkiffVersion.ApiVersion,
            Version = SkiffVersion.Value,
            GoVersion = ".NET " + Environment.Version,
            GitCommit = "",
            BuiltTime = Humanize.Ansic(DateTimeOffset.UnixEpoch),
            Built = 0,
            OsArch = "linux/" + GoArch(),
            Os = "linux",
        },
    };

    public static void WritePodman(TextWriter output, string? format)
    {
        VersionReport report = Report();
        if (ReportFormatter.IsJson(format))
        {
            JsonOutput.Write(output, JsonSerializer.SerializeToNode(report, VersionJsonContext.Default.VersionReport), indented: false);
            return;
        }
        if (!string.IsNullOrEmpty(format))
        {
            JsonNode? node = JsonSerializer.SerializeToNode(report, VersionJsonContext.Default.VersionReport);
            ReportFormatter.ForItem("version", format).RenderItem(output, node);
            return;
        }
        ClientVersion c = report.Client;
        var table = new TableWriter();
        table.WriteRow("Client:", "Skiff Engine");
        table.WriteRow("Version:", c.Version);
        table.WriteRow("API Version:", c.ApiVersion);
        table.WriteRow(".NET Version:", c.GoVersion);
        table.WriteRow("Built:", c.BuiltTime);
        table.WriteRow("OS/Arch:", c.OsArch);
        table.Flush(output);
    }

    public static void WriteBuildah(TextWriter output, bool json)
    {
        VersionReport report = Report();
        var buildah = new BuildahVersion
        {
            Version = SkiffVersion.Value,
            GoVersion = report.Client.GoVersion,
            ImageSpec = SkiffVersion.ImageSpec,
            RuntimeSpec = SkiffVersion.RuntimeSpec,
            GitCommit = "",
            Built = report.Client.BuiltTime,
            OsArch = report.Client.OsArch,
            BuildPlatform = report.Client.OsArch,
        };
        if (json)
        {
            JsonOutput.Write(output, JsonSerializer.SerializeToNode(buildah, VersionJsonContext.Default.BuildahVersion));
            return;
        }
        // buildah pads its labels to a fixed 17 columns.
        output.Write($"{"Version:",-17}{buildah.Version}\n");
        output.Write($"{".NET Version:",-17}{buildah.GoVersion}\n");
        output.Write($"{"Image Spec:",-17}{buildah.ImageSpec}\n");
        output.Write($"{"Runtime Spec:",-17}{buildah.RuntimeSpec}\n");
        output.Write($"{"Git Commit:",-17}{buildah.GitCommit}\n");
        output.Write($"{"Built:",-17}{buildah.Built}\n");
        output.Write($"{"OS/Arch:",-17}{buildah.OsArch}\n");
        output.Write($"{"BuildPlatform:",-17}{buildah.BuildPlatform}\n");
    }

    private static string GoArch() => RuntimeInformation.OSArchitecture switch
    {
        Architecture.X64 => "amd64",
        Architecture.Arm64 => "arm64",
        Architecture.X86 => "386",
        Architecture.Arm => "arm",
        Architecture.S390x => "s390x",
        Architecture.Ppc64le => "ppc64le",
        Architecture.RiscV64 => "riscv64",
        var other => other.ToString().ToLowerInvariant(),
    };
}

/// <summary>The shape of podman's <c>version --format json</c>.</summary>
public sealed record VersionReport
{
    public required ClientVersion Client { get; init; }
}

public sealed record ClientVersion
{
    [JsonPropertyName("APIVersion")]
    public required string ApiVersion { get; init; }
    public required string Version { get; init; }

    /// <summary>Named as podman names it so templates written for podman work; holds the .NET version.</summary>
    public required string GoVersion { get; init; }
    public required string GitCommit { get; init; }
    public required string BuiltTime { get; init; }
    public required long Built { get; init; }
    public required string OsArch { get; init; }
    public required string Os { get; init; }
}

/// <summary>The shape of <c>buildah version --json</c>.</summary>
public sealed record BuildahVersion
{
    [JsonPropertyName("version")] public required string Version { get; init; }
    [JsonPropertyName("goVersion")] public required string GoVersion { get; init; }
    [JsonPropertyName("imageSpec")] public required string ImageSpec { get; init; }
    [JsonPropertyName("runtimeSpec")] public required string RuntimeSpec { get; init; }
    [JsonPropertyName("gitCommit")] public required string GitCommit { get; init; }
    [JsonPropertyName("built")] public required string Built { get; init; }
    [JsonPropertyName("osArch")] public required string OsArch { get; init; }
    [JsonPropertyName("buildPlatform")] public required string BuildPlatform { get; init; }
}

[JsonSerializable(typeof(VersionReport))]
[JsonSerializable(typeof(BuildahVersion))]
internal sealed partial class VersionJsonContext : JsonSerializerContext;
