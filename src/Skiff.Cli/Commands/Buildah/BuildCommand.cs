using System.CommandLine;
using Skiff.Build.Containerfile;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah build</c> / <c>buildah bud</c>: builds a Containerfile; prints the steps and the image id.</summary>
public static class BuildCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("build", "Build an image using instructions in a Containerfile") { Usage = "[options] [CONTEXT]" };
        command.Aliases.Add("bud");
        command.Aliases.Add("build-using-dockerfile");
        Option<string[]> tag = new("--tag", "-t") { Description = "tagged `name` to apply to the built image" };
        Option<string[]> file = new("--file", "-f") { Description = "`pathname or URL` of a Containerfile" };
        Option<string[]> buildArg = new("--build-arg") { Description = "`argument=value` to supply to the builder" };
        Option<string[]> buildArgFile = new("--build-arg-file") { Description = "`argfile.conf` containing lines of argument=value to supply to the builder" };
        Option<string?> target = new("--target") { Description = "set the target build stage to build" };
        Option<string?> layers = new("--layers") { Description = "use intermediate layers during build" };
        Option<bool> noCache = new("--no-cache") { Description = "do not use existing cached images for the container build" };
        Option<bool> squash = new("--squash") { Description = "squash all image layers into a single layer" };
        Option<string?> format = new("--format") { Description = "`format` of the built image's manifest and metadata (oci, docker)" };
        Option<string?> iidfile = new("--iidfile") { Description = "`file` to write the image ID to" };
        Option<string[]> label = new("--label") { Description = "set metadata for an image" };
        Option<string?> pull = new("--pull") { Description = "pull the image from the registry if newer or not present in store" };
        Option<bool> quiet = new("--quiet", "-q") { Description = "refrain from announcing build instructions and image read/write progress" };
        Option<string?> isolation = new("--isolation") { Description = "type of process isolation to use (oci, chroot)" };
        Option<string?> network = new("--network") { Description = "network mode for RUN instructions" };
        Option<string?> runtime = new("--runtime") { Description = "`path` to an alternate runtime" };
        Option<string?> ignoreFile = new("--ignorefile") { Description = "path to an alternate .dockerignore file" };
        Option<string[]> secret = new("--secret") { Description = "secret file to expose to the build (id=ID,src=FILE)" };
        Argument<string?> contextDir = new("CONTEXT") { Arity = ArgumentArity.ZeroOrOne };
        foreach (Option o in new Option[] { tag, file, buildArg, buildArgFile, target, layers, noCache, squash, format, iidfile, label, pull, quiet, isolation, network, runtime, ignoreFile, secret })
        {
            command.Options.Add(o);
        }
        var registryFlags = new RegistryFlags();
        registryFlags.AddTo(command);
        command.Arguments.Add(contextDir);
        command.ImplicitValues[layers] = "true";
        command.ImplicitValues[pull] = "true";
        command.SetHandler(async (parseResult, ct) =>
        {
            string context0 = parseResult.GetValue(contextDir) ?? ".";
            string[] files = parseResult.GetValue(file) ?? [];
            string text;
            string name;
            if (files.Length > 0 && files[0] == "-")
            {
                text = await context.In.ReadToEndAsync(ct);
                name = "Containerfile";
            }
            else
            {
                string path = files.Length > 0 ? (Path.IsPathRooted(files[0]) ? files[0] : Path.GetFullPath(files[0]))
                    : File.Exists(Path.Combine(context0, "Containerfile")) ? Path.Combine(context0, "Containerfile")
                    : Path.Combine(context0, "Dockerfile");
                if (!File.Exists(path))
                {
                    throw new UsageException($"no Containerfile or Dockerfile specified or found in context directory, {Path.GetFullPath(context0)}: no such file or directory");
                }
                text = await File.ReadAllTextAsync(path, ct);
                name = Path.GetFileName(path);
            }
            var args = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (string argFile in parseResult.GetValue(buildArgFile) ?? [])
            {
                foreach (string line in await File.ReadAllLinesAsync(argFile, ct))
                {
                    string t = line.Trim();
                    if (t.Length > 0 && !t.StartsWith('#'))
                    {
                        AddArg(args, t);
                    }
                }
            }
            foreach (string a in parseResult.GetValue(buildArg) ?? [])
            {
                AddArg(args, a);
            }
            string layersValue = parseResult.GetValue(layers) ?? Environment.GetEnvironmentVariable("BUILDAH_LAYERS") ?? "true";
            using BuildahAccess access = BuildahAccess.Open(context, parseResult, registryFlags);
            var executor = new BuildExecutor(access.Build.Containers);
            BuildResult result = await executor.BuildAsync(new BuildRequest
            {
                ContextDir = Path.GetFullPath(context0),
                ContainerfileText = text,
                ContainerfileName = name,
                Tags = parseResult.GetValue(tag) ?? [],
                BuildArgs = args,
                Target = parseResult.GetValue(target),
                Layers = !layersValue.Equals("false", StringComparison.OrdinalIgnoreCase),
                NoCache = parseResult.GetValue(noCache),
                Squash = parseResult.GetValue(squash),
                Format = parseResult.GetValue(format) ?? Environment.GetEnvironmentVariable("BUILDAH_FORMAT") ?? "oci",
                Labels = parseResult.GetValue(label) ?? [],
                Pull = parseResult.GetValue(pull) ?? "missing",
                Output = context.Out,
                Quiet = parseResult.GetValue(quiet),
                RuntimeStateRoot = Path.Combine(access.Engine.Store.Options.RunRoot, "buildah-runc"),
                Runtime = parseResult.GetValue(runtime) ?? "runc",
                IgnoreFile = parseResult.GetValue(ignoreFile),
                Secrets = Secrets(parseResult.GetValue(secret) ?? []),
                Network = parseResult.GetValue(network),
            }, ct);
            if (parseResult.GetValue(iidfile) is { Length: > 0 } iid)
            {
                await File.WriteAllTextAsync(iid, "sha256:" + result.ImageId, ct);
            }
            context.Out.WriteLine(result.ImageId);
            return 0;
        });
        return command;
    }

    private static Dictionary<string, BuildSecret> Secrets(string[] specs)
    {
        var secrets = new Dictionary<string, BuildSecret>(StringComparer.Ordinal);
        foreach (string spec in specs)
        {
            (string id, BuildSecret s) = BuildSecret.Parse(spec);
            secrets[id] = s;
        }
        return secrets;
    }

    private static void AddArg(Dictionary<string, string> args, string a)
    {
        int eq = a.IndexOf('=');
        if (eq < 0)
        {
            // NAME alone takes the caller's environment value, as Buildah does.
            if (Environment.GetEnvironmentVariable(a) is { } v)
            {
                args[a] = v;
            }
            return;
        }
        args[a[..eq]] = a[(eq + 1)..];
    }
}
