using System.CommandLine;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Registry;

/// <summary><c>podman push IMAGE [DESTINATION]</c>.</summary>
public static class PushCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("push", "Push an image to a specified destination") { Usage = "[options] IMAGE [DESTINATION]" };
        var flags = new RegistryFlags();
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress output information when pushing images" };
        Option<string?> digestFile = new("--digestfile") { Description = "Write the digest of the pushed image to the specified file" };
        Option<string?> compressionFormat = new("--compression-format") { Description = "compression format to use" };
        Option<int?> compressionLevel = new("--compression-level") { Description = "compression level to use" };
        Option<string?> format = new("--format", "-f") { Description = "Manifest type (oci, v2s2, or v2s1) to use in the destination (default is manifest type of source, with fallbacks)" };
        Option<bool> removeSignatures = new("--remove-signatures") { Description = "Discard any pre-existing signatures in the image" };
        Option<bool> compress = new("--compress") { Description = "Compress tarball image layers when pushing to a directory using the 'dir' transport. (default is same compression type as source)" };
        Argument<string> image = new("IMAGE");
        Argument<string?> destination = new("DESTINATION") { Arity = ArgumentArity.ZeroOrOne };
        flags.AddTo(command);
        foreach (Option o in new Option[] { quiet, digestFile, compressionFormat, compressionLevel, format, removeSignatures, compress })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(image);
        command.Arguments.Add(destination);
        command.SetHandler(async (parseResult, ct) =>
        {
            Compression? compression = RegistryFlags.ReadCompression(parseResult.GetValue(compressionFormat));
            int? level = RegistryFlags.ReadCompressionLevel(parseResult.GetValue(compressionLevel), compression ?? Compression.Gzip);
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            PushReport report = await engine.Images.PushAsync(new PushOptions
            {
                Source = parseResult.GetValue(image)!,
                Destination = parseResult.GetValue(destination),
                Access = flags.Read(parseResult),
                Compression = compression,
                CompressionLevel = level,
                Format = parseResult.GetValue(format),
                RemoveSignatures = parseResult.GetValue(removeSignatures),
                Progress = parseResult.GetValue(quiet) ? null : CopyProgressPrinter.For(context.Err),
            }, ct);
            if (parseResult.GetValue(digestFile) is { } path)
            {
                await File.WriteAllTextAsync(path, report.ManifestDigest.ToString(), ct);
            }
            return 0;
        });
        return command;
    }
}
