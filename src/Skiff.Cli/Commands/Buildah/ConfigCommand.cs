using System.CommandLine;
using Skiff.Build.Containers;
using Skiff.Cli.Framework;

namespace Skiff.Cli.Commands.Buildah;

/// <summary><c>buildah config</c>: edits the image config a working container will commit.</summary>
public static class ConfigCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("config", "Update image configuration settings") { Usage = "[options] CONTAINER" };
        Option<string?> cmd = new("--cmd") { Description = "set the default command to run for containers based on the image" };
        Option<string?> entrypoint = new("--entrypoint") { Description = "set entry point for containers based on image" };
        Option<string[]> env = new("--env", "-e") { Description = "add environment variable to be set when running containers based on image" };
        Option<string[]> port = new("--port", "-p") { Description = "add port to expose when running containers based on image" };
        Option<string[]> label = new("--label", "-l") { Description = "add image configuration label e.g. label=value" };
        Option<string[]> annotation = new("--annotation", "-a") { Description = "add annotation e.g. annotation=value" };
        Option<string[]> volume = new("--volume", "-v") { Description = "add default volume path to be created for containers based on image" };
        Option<string[]> onbuild = new("--onbuild") { Description = "add onbuild command to be run on images based on this image. Only supported on 'docker' formatted images" };
        Option<string?> author = new("--author") { Description = "add the author of the image" };
        Option<string?> createdBy = new("--created-by") { Description = "set description of how the image was created" };
        Option<string?> workingdir = new("--workingdir") { Description = "set working directory for containers based on image" };
        Option<string?> user = new("--user", "-u") { Description = "set default user to run inside containers based on image" };
        Option<string?> stopSignal = new("--stop-signal") { Description = "set stop signal for containers based on image" };
        Option<string?> shell = new("--shell") { Description = "add shell to run in containers" };
        Option<string?> os = new("--os") { Description = "set operating system of the image" };
        Option<string?> arch = new("--arch") { Description = "set architecture of the image" };
        Option<string?> variant = new("--variant") { Description = "set architecture variant of the image" };
        Option<string?> comment = new("--comment") { Description = "set a comment in the image" };
        Option<string?> historyComment = new("--history-comment") { Description = "set a comment for the history of this image" };
        Option<string?> hostname = new("--hostname") { Description = "set a host name for containers based on image" };
        Option<string?> domainname = new("--domainname") { Description = "add domain name to containers based on image" };
        Option<string?> healthcheck = new("--healthcheck") { Description = "set a healthcheck command for the target image" };
        Option<string?> hcInterval = new("--healthcheck-interval") { Description = "set the interval between runs of the healthcheck command for the target image" };
        Option<string?> hcTimeout = new("--healthcheck-timeout") { Description = "set the maximum amount of time to wait for the healthcheck command for the target image" };
        Option<string?> hcStart = new("--healthcheck-start-period") { Description = "set the initialization time needed for a container to bootstrap" };
        Option<int?> hcRetries = new("--healthcheck-retries") { Description = "set the number of times the healthcheck command has to fail" };
        Argument<string> container = new("CONTAINER");
        foreach (Option o in new Option[] { cmd, entrypoint, env, port, label, annotation, volume, onbuild, author, createdBy, workingdir, user, stopSignal, shell, os, arch, variant, comment, historyComment, hostname, domainname, healthcheck, hcInterval, hcTimeout, hcStart, hcRetries })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(container);
        command.SetHandler(async (parseResult, ct) =>
        {
            using BuildahAccess access = BuildahAccess.Open(context, parseResult);
            await access.Build.ConfigAsync(parseResult.GetValue(container)!, new ConfigEdit
            {
                Cmd = parseResult.GetValue(cmd),
                Entrypoint = parseResult.GetValue(entrypoint),
                Env = parseResult.GetValue(env) ?? [],
                Ports = parseResult.GetValue(port) ?? [],
                Labels = parseResult.GetValue(label) ?? [],
                Annotations = parseResult.GetValue(annotation) ?? [],
                Volumes = parseResult.GetValue(volume) ?? [],
                OnBuild = parseResult.GetValue(onbuild) ?? [],
                Author = parseResult.GetValue(author),
                CreatedBy = parseResult.GetValue(createdBy),
                WorkingDir = parseResult.GetValue(workingdir),
                User = parseResult.GetValue(user),
                StopSignal = parseResult.GetValue(stopSignal),
                Shell = parseResult.GetValue(shell),
                Os = parseResult.GetValue(os),
                Arch = parseResult.GetValue(arch),
                Variant = parseResult.GetValue(variant),
                Comment = parseResult.GetValue(comment),
                HistoryComment = parseResult.GetValue(historyComment),
                Healthcheck = parseResult.GetValue(healthcheck),
                HealthcheckInterval = parseResult.GetValue(hcInterval),
                HealthcheckTimeout = parseResult.GetValue(hcTimeout),
                HealthcheckStartPeriod = parseResult.GetValue(hcStart),
                HealthcheckRetries = parseResult.GetValue(hcRetries),
            }, ct);
            return 0;
        });
        return command;
    }
}
