using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman import</c>: a rootfs tarball (file or "-") becomes a one-layer image.</summary>
public static class ImportCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("import", "Import a tarball to create a filesystem image");
        Option<string[]> change = new("--change", "-c") { Description = "Apply the following possible instructions to the created image: CMD | ENTRYPOINT | ENV | EXPOSE | LABEL | STOPSIGNAL | USER | VOLUME | WORKDIR" };
        Option<string?> message = new("--message", "-m") { Description = "Set commit message for imported image" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress output" };
        Option<string?> arch = new("--arch") { Description = "Set the architecture of the imported image" };
        Option<string?> os = new("--os") { Description = "Set the OS of the imported image" };
        Option<string?> variant = new("--variant") { Description = "Set the variant of the imported image" };
        Argument<string> source = new("PATH");
        Argument<string?> reference = new("REFERENCE") { Arity = ArgumentArity.ZeroOrOne };
        foreach (Option o in new Option[] { change, message, quiet, arch, os, variant })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(source);
        command.Arguments.Add(reference);

        command.SetHandler(async (parseResult, ct) =>
        {
            string path = parseResult.GetValue(source)!;
            if (path.Contains("://", StringComparison.Ordinal))
            {
                throw new SkiffException($"importing from a URL is not supported: {path}");
            }
            Platform current = Platform.Current;
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            ImportReport report = await engine.Images.ImportAsync(new ImportOptions
            {
                Source = path,
                Reference = parseResult.GetValue(reference),
                Changes = parseResult.GetValue(change) ?? [],
                Message = parseResult.GetValue(message),
                Platform = new Platform
                {
                    Os = parseResult.GetValue(os) ?? current.Os,
                    Architecture = parseResult.GetValue(arch) ?? current.Architecture,
                    Variant = parseResult.GetValue(variant) ?? (parseResult.GetValue(arch) is null ? current.Variant : null),
                },
            }, StandardStreams.Open(0), ct);
            context.Out.WriteLine("sha256:" + report.Id);
            return 0;
        });
        return command;
    }
}
