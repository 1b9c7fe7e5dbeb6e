using System.CommandLine;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;

namespace Skiff.Cli.Commands.Registry;

/// <summary><c>podman pull</c>.</summary>
public static class PullCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("pull", "Pull an image from a registry") { Usage = "[options] IMAGE [IMAGE...]" };
        var flags = new RegistryFlags();
        Option<bool> allTags = new("--all-tags", "-a") { Description = "All tagged images in the repository will be pulled" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress output information when pulling images" };
        Option<string?> platform = new("--platform") { Description = "Specify the platform for selecting the image.  (Conflicts with arch and os)" };
        Option<string?> arch = new("--arch") { Description = "Use `ARCH` instead of the architecture of the machine for choosing images" };
        Option<string?> os = new("--os") { Description = "Use `OS` instead of the running OS for choosing images" };
        Option<string?> variant = new("--variant") { Description = "Use VARIANT instead of the running architecture variant for choosing images" };
        Option<bool> removeSignatures = new("--remove-signatures") { Description = "Discard any pre-existing signatures in the image" };
        Argument<string[]> images = new("IMAGE") { Arity = ArgumentArity.OneOrMore };
        flags.AddTo(command);
        foreach (Option o in new Option[] { allTags, quiet, platform, arch, os, variant, removeSignatures })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(images);
        command.SetHandler(async (parseResult, ct) =>
        {
            RegistryAccess access = flags.Read(parseResult);
            bool q = parseResult.GetValue(quiet);
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            foreach (string name in parseResult.GetValue(images)!)
            {
                PullReport report = await engine.Images.PullAsync(new PullOptions
                {
                    Name = name,
                    Access = access,
                    AllTags = parseResult.GetValue(allTags),
                    Platform = RegistryFlags.ReadPlatform(parseResult.GetValue(platform), parseResult.GetValue(arch), parseResult.GetValue(os), parseResult.GetValue(variant)),
                    RemoveSignatures = parseResult.GetValue(removeSignatures),
                    Progress = q ? null : CopyProgressPrinter.For(context.Err),
                    Log = q ? null : line => context.Err.WriteLine(line),
                }, ct);
                foreach (string id in report.ImageIds)
                {
                    context.Out.WriteLine(id);
                }
            }
            return 0;
        });
        return command;
    }
}
