using System.CommandLine;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Skopeo;

/// <summary><c>skopeo sync --src docker|dir --dest docker|dir SOURCE DESTINATION</c>.</summary>
public static class SyncCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("sync", "Synchronize one or more images from one location to another") { Usage = "[command options] --src TRANSPORT --dest TRANSPORT SOURCE DESTINATION" };
        var src = new RegistryFlags("src-");
        var dest = new RegistryFlags("dest-");
        Option<string?> srcKind = new("--src", "-s") { Description = "SOURCE transport type" };
        Option<string?> destKind = new("--dest", "-d") { Description = "DESTINATION transport type" };
        Option<bool> all = new("--all", "-a") { Description = "Copy all images if SOURCE-IMAGE is a list" };
        Option<bool> scoped = new("--scoped") { Description = "Images at DESTINATION are prefix using the full source image path as scope" };
        Option<string?> format = new("--format", "-f") { Description = "MANIFEST TYPE (oci, v2s1, or v2s2) to use when syncing image(s) to a destination (default is manifest type of source, with fallbacks)" };
        Option<bool> removeSignatures = new("--remove-signatures") { Description = "Do not copy signatures from SOURCE images" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress output information when copying images" };
        src.AddTo(command);
        dest.AddTo(command);
        foreach (Option o in new Option[] { srcKind, destKind, all, scoped, format, removeSignatures, quiet })
        {
            command.Options.Add(o);
        }
        Argument<string> source = new("SOURCE");
        Argument<string> destination = new("DESTINATION");
        command.Arguments.Add(source);
        command.Arguments.Add(destination);
        command.SetHandler(async (parseResult, ct) =>
        {
            string s = parseResult.GetValue(srcKind) ?? throw new SkiffException("a source transport type must be given with --src");
            string d = parseResult.GetValue(destKind) ?? throw new SkiffException("a destination transport type must be given with --dest");
            bool q = parseResult.GetValue(quiet);
            int count = await ImageEngine.SyncAsync(new SyncOptions
            {
                SourceKind = s,
                DestinationKind = d,
                Source = parseResult.GetValue(source)!,
                Destination = parseResult.GetValue(destination)!,
                SourceAccess = src.Read(parseResult),
                DestinationAccess = dest.Read(parseResult),
                All = parseResult.GetValue(all),
                Scoped = parseResult.GetValue(scoped),
                Format = parseResult.GetValue(format),
                RemoveSignatures = parseResult.GetValue(removeSignatures),
                Progress = q ? null : CopyProgressPrinter.For(context.Out),
                Log = q ? null : line => context.Out.WriteLine(line),
            }, ct);
            if (!q)
            {
                context.Out.WriteLine($"Synced {count} images from 1 sources");
            }
            return 0;
        });
        return command;
    }
}
