using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Images;

/// <summary><c>podman save</c> and <c>podman load</c>.</summary>
public static class SaveLoadCommands
{
    public static Command CreateSave(CommandContext context)
    {
        var command = new VerbCommand("save", "Save image(s) to an archive");
        Option<string?> output = new("--output", "-o") { Description = "Write to a specified file (default: stdout, which must be redirected)" };
        Option<string> format = new("--format") { Description = "Save image to oci-archive, oci-dir (directory with oci manifest type), docker-archive, docker-dir (directory with v2s2 manifest type)", DefaultValueFactory = _ => "docker-archive" };
        Option<bool> compress = new("--compress") { Description = "Compress tarball image layers when saving to a directory using the 'dir' transport" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress the output" };
        Option<bool> multi = new("--multi-image-archive", "-m") { Description = "Interpret additional arguments as images not tags and create a multi-image-archive (only for docker-archive)" };
        Argument<string[]> images = new("IMAGE") { Arity = ArgumentArity.OneOrMore };
        foreach (Option o in new Option[] { output, format, compress, quiet, multi })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(images);
        command.SetHandler(async (parseResult, ct) =>
        {
            string fmt = parseResult.GetValue(format)!;
            if (parseResult.GetValue(compress) && fmt is not ("oci-dir" or "docker-dir"))
            {
                throw new UsageException("--compress can only be set when --format is either 'oci-dir' or 'docker-dir'");
            }
            string? path = parseResult.GetValue(output);
            string? temp = null;
            if (path is null)
            {
                if (!Console.IsOutputRedirected)
                {
                    throw new SkiffException("refusing to save to terminal. Use -o flag or redirect");
                }
                temp = Path.Combine(Path.GetTempPath(), "skiff-save-" + Guid.NewGuid().ToString("N"));
                path = temp;
            }
            try
            {
                using EngineAccess engine = EngineAccess.Open(context, parseResult);
                await engine.Images.SaveAsync(new SaveOptions
                {
                    Names = parseResult.GetValue(images)!,
                    Output = path,
                    Format = fmt,
                    Compress = parseResult.GetValue(compress),
                    Progress = parseResult.GetValue(quiet) ? null : CopyProgressPrinter.For(context.Err),
                }, ct);
                if (temp is not null)
                {
                    await using FileStream f = File.OpenRead(temp);
                    await using Stream stdout = StandardStreams.Open(1);
                    await f.CopyToAsync(stdout, ct);
                }
            }
            finally
            {
                if (temp is not null)
                {
                    File.Delete(temp);
                }
            }
            return 0;
        });
        return command;
    }

    public static Command CreateLoad(CommandContext context)
    {
        var command = new VerbCommand("load", "Load image(s) from a tar archive");
        Option<string?> input = new("--input", "-i") { Description = "Read from specified archive file (default: stdin)" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "Suppress the output" };
        command.Options.Add(input);
        command.Options.Add(quiet);
        command.SetHandler(async (parseResult, ct) =>
        {
            string? path = parseResult.GetValue(input);
            string? temp = null;
            if (path is null)
            {
                if (!Console.IsInputRedirected)
                {
                    throw new SkiffException("cannot read from terminal, use command-line redirection or the --input flag");
                }
                // Archives are read more than once (index, then blobs): stdin goes to a file first.
                temp = Path.Combine(Path.GetTempPath(), "skiff-load-" + Guid.NewGuid().ToString("N"));
                await using (FileStream f = File.Create(temp))
                {
                    await using Stream stdin = StandardStreams.Open(0);
                    await stdin.CopyToAsync(f, ct);
                }
                path = temp;
            }
            try
            {
                using EngineAccess engine = EngineAccess.Open(context, parseResult);
                LoadReport report = await engine.Images.LoadAsync(new LoadOptions
                {
                    Input = path,
                    Progress = parseResult.GetValue(quiet) ? null : CopyProgressPrinter.For(context.Err),
                }, ct);
                foreach (string name in report.Loaded)
                {
                    context.Out.WriteLine("Loaded image: " + name);
                }
            }
            finally
            {
                if (temp is not null)
                {
                    File.Delete(temp);
                }
            }
            return 0;
        });
        return command;
    }
}
