using System.CommandLine;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;
using Skiff.Storage;
using Skiff.Transports.Copy;

namespace Skiff.Cli.Commands.Skopeo;

/// <summary><c>skopeo copy SOURCE-IMAGE DESTINATION-IMAGE</c>: any transport to any.</summary>
public static class SkopeoCopyCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("copy", "Copy an IMAGE-NAME from one location to another") { Usage = "[command options] SOURCE-IMAGE DESTINATION-IMAGE" };
        var src = new RegistryFlags("src-");
        var dest = new RegistryFlags("dest-");
        Option<string?> authFile = new("--authfile") { Description = "path of the authentication file. Default is ${XDG_RUNTIME_DIR}/containers/auth.json" };
        Option<bool> all = new("--all", "-a") { Description = "Copy all images if SOURCE-IMAGE is a list" };
        Option<string?> multiArch = new("--multi-arch") { Description = "How to handle multi-architecture images (system, all, or index-only)" };
        Option<string?> format = new("--format", "-f") { Description = "MANIFEST TYPE (oci, v2s1, or v2s2) to use in the destination (default is manifest type of source, with fallbacks)" };
        Option<string?> compressFormat = new("--dest-compress-format") { Description = "`FORMAT` to use for the compression" };
        Option<int?> compressLevel = new("--dest-compress-level") { Description = "`LEVEL` to use for the compression" };
        Option<bool> compress = new("--dest-compress") { Description = "Compress tarball image layers when saving to directory using the 'dir' transport. (default is same compression type as source)" };
        Option<bool> removeSignatures = new("--remove-signatures") { Description = "Do not copy signatures from SOURCE-IMAGE" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress output information when copying images" };
        Option<string?> digestFile = new("--digestfile") { Description = "Write the digest of the pushed image to the specified file" };
        src.AddTo(command);
        dest.AddTo(command);
        foreach (Option o in new Option[] { authFile, all, multiArch, format, compressFormat, compressLevel, compress, removeSignatures, quiet, digestFile })
        {
            command.Options.Add(o);
        }
        Argument<string> source = new("SOURCE-IMAGE");
        Argument<string> destination = new("DESTINATION-IMAGE");
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.SetHandler(async (parseResult, ct) =>
        {
            string from = parseResult.GetValue(source)!;
            string to = parseResult.GetValue(destination)!;
            string? multi = parseResult.GetValue(multiArch);
            if (multi is not (null or "system" or "all"))
            {
                throw new SkiffException($"unsupported --multi-arch value \"{multi}\": choose system or all");
            }
            Compression? compression = RegistryFlags.ReadCompression(parseResult.GetValue(compressFormat))
                ?? (parseResult.GetValue(compress) ? Compression.Gzip : null);
            GlobalSettings settings = context.Settings(parseResult);
            var options = new CopyImageOptions
            {
                Source = from,
                Destination = to,
                SourceAccess = src.Read(parseResult, parseResult.GetValue(authFile)),
                DestinationAccess = dest.Read(parseResult, parseResult.GetValue(authFile)),
                All = parseResult.GetValue(all) || multi == "all",
                Format = parseResult.GetValue(format),
                Compression = compression,
                CompressionLevel = RegistryFlags.ReadCompressionLevel(parseResult.GetValue(compressLevel), compression),
                RemoveSignatures = parseResult.GetValue(removeSignatures),
                Platform = SkopeoPlatform.From(settings),
                Progress = parseResult.GetValue(quiet) ? null : CopyProgressPrinter.For(context.Out),
            };
            CopyResult result;
            if (ImageEngine.NeedsStore(from) || ImageEngine.NeedsStore(to))
            {
                using EngineAccess engine = EngineAccess.Open(context, parseResult);
                result = await ImageEngine.CopyImageAsync(engine.Store, options, ct);
            }
            else
            {
                result = await ImageEngine.CopyImageAsync(null, options, ct);
            }
            if (parseResult.GetValue(digestFile) is { } path)
            {
                await File.WriteAllTextAsync(path, result.ManifestDigest.ToString(), ct);
            }
            return 0;
        });
        return command;
    }
}

/// <summary>skopeo's --override-arch/--override-os/--override-variant as a platform, or null for this machine.</summary>
internal static class SkopeoPlatform
{
    public static Platform? From(GlobalSettings settings) =>
        RegistryFlags.ReadPlatform(null, settings.OverrideArch, settings.OverrideOs, settings.OverrideVariant);
}

/// <summary>Opens the store only for names in it; skopeo's other commands never touch it.</summary>
internal static class SkopeoStore
{
    public static async Task<T> WithStoreIfNeededAsync<T>(CommandContext context, ParseResult parseResult, string name, Func<Store?, Task<T>> action)
    {
        if (!ImageEngine.NeedsStore(name))
        {
            return await action(null);
        }
        using EngineAccess engine = EngineAccess.Open(context, parseResult);
        return await action(engine.Store);
    }
}
