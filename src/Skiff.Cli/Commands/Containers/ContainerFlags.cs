using System.CommandLine;
using System.Globalization;
using Skiff.Cli.Commands.Images;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;
using Skiff.Engine.Images;
using Skiff.Image;

namespace Skiff.Cli.Commands.Containers;

/// <summary>The flags podman create and run share, and their mapping to <see cref="ContainerCreateOptions"/>.</summary>
public sealed class ContainerFlags
{
    public Option<string?> Name { get; } = new("--name") { Description = "Assign a name to the container" };
    public Option<string[]> Env { get; } = new("--env", "-e") { Description = "Set environment variables in container" };
    public Option<string[]> EnvFile { get; } = new("--env-file") { Description = "Read in a file of environment variables" };
    public Option<bool> EnvHost { get; } = new("--env-host") { Description = "Use all current host environment variables in container" };
    public Option<string?> Workdir { get; } = new("--workdir", "-w") { Description = "Working directory inside the container" };
    public Option<string?> User { get; } = new("--user", "-u") { Description = "Username or UID (format: <name|uid>[:<group|gid>])" };
    public Option<string?> Hostname { get; } = new("--hostname", "-h") { Description = "Set container hostname" };
    public Option<string?> Entrypoint { get; } = new("--entrypoint") { Description = "Overwrite the default ENTRYPOINT of the image" };
    public Option<bool> Tty { get; } = new("--tty", "-t") { Description = "Allocate a pseudo-TTY for container" };
    public Option<bool> Interactive { get; } = new("--interactive", "-i") { Description = "Keep STDIN open even if not attached" };
    public Option<bool> ReadOnly { get; } = new("--read-only") { Description = "Make containers root filesystem read-only" };
    public Option<bool> ReadOnlyTmpfs { get; } = new("--read-only-tmpfs") { Description = "When running containers in read-only mode mount a read-write tmpfs on /run, /tmp and /var/tmp", DefaultValueFactory = _ => true };
    public Option<string[]> Tmpfs { get; } = new("--tmpfs") { Description = "Mount a temporary filesystem (tmpfs) into a container" };
    public Option<string[]> Volume { get; } = new("--volume", "-v") { Description = "Bind mount a volume into the container" };
    public Option<string[]> Mount { get; } = new("--mount") { Description = "Attach a filesystem mount to the container" };
    public Option<string[]> CapAdd { get; } = new("--cap-add") { Description = "Add capabilities to the container" };
    public Option<string[]> CapDrop { get; } = new("--cap-drop") { Description = "Drop capabilities from the container" };
    public Option<bool> Privileged { get; } = new("--privileged") { Description = "Give extended privileges to container" };
    public Option<string[]> SecurityOpt { get; } = new("--security-opt") { Description = "Security Options" };
    public Option<string[]> Ulimit { get; } = new("--ulimit") { Description = "Ulimit options" };
    public Option<string[]> Device { get; } = new("--device") { Description = "Add a host device to the container" };
    public Option<string?> Memory { get; } = new("--memory", "-m") { Description = "Memory limit (format: <number>[<unit>], where unit = b (bytes), k (kibibytes), m (mebibytes), or g (gibibytes))" };
    public Option<string?> Cpus { get; } = new("--cpus") { Description = "Number of CPUs. The default is 0.000 which means no limit" };
    public Option<long?> PidsLimit { get; } = new("--pids-limit") { Description = "Tune container pids limit (set -1 for unlimited)" };
    public Option<string[]> Label { get; } = new("--label", "-l") { Description = "Set metadata on container" };
    public Option<string[]> Annotation { get; } = new("--annotation") { Description = "Add annotations to container (key=value)" };
    public Option<string[]> Publish { get; } = new("--publish", "-p") { Description = "Publish a container's port, or a range of ports, to the host" };
    public Option<bool> PublishAll { get; } = new("--publish-all", "-P") { Description = "Publish all exposed ports to random ports on the host interface" };
    public Option<string?> Network { get; } = new("--network", "--net") { Description = "Connect a container to a network" };
    public Option<string> Systemd { get; } = new("--systemd") { Description = "Run container in systemd mode (\"true\"|\"false\"|\"always\")", DefaultValueFactory = _ => "true" };
    public Option<string?> StopSignal { get; } = new("--stop-signal") { Description = "Signal to stop a container. Default is SIGTERM" };
    public Option<uint?> StopTimeout { get; } = new("--stop-timeout") { Description = "Timeout (in seconds) that containers stopped by user command have to exit. If exceeded, the container will be forcibly stopped via SIGKILL." };
    public Option<bool> Rm { get; } = new("--rm") { Description = "Remove container (and pod if created) after exit" };
    public Option<bool> Init { get; } = new("--init") { Description = "Run an init binary inside the container that forwards signals and reaps processes" };
    public Option<string?> Restart { get; } = new("--restart") { Description = "Restart policy to apply when a container exits (\"always\"|\"no\"|\"on-failure\"|\"unless-stopped\")" };
    public Option<string?> Pull { get; } = new("--pull") { Description = "Pull image policy (\"always\"|\"missing\"|\"never\"|\"newer\")" };

    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "Suppress output information when pulling images" };
    internal RegistryFlags Registry { get; } = new();

    public Argument<string> Image { get; } = new("IMAGE");
    public Argument<string[]> Command { get; } = new("COMMAND") { Arity = ArgumentArity.ZeroOrMore };

    public void AddTo(VerbCommand command)
    {
        foreach (Option o in new Option[]
        {
            Name, Env, EnvFile, EnvHost, Workdir, User, Hostname, Entrypoint, Tty, Interactive, ReadOnly, ReadOnlyTmpfs, Tmpfs,
            Volume, Mount, CapAdd, CapDrop, Privileged, SecurityOpt, Ulimit, Device, Memory, Cpus, PidsLimit, Label, Annotation,
            Publish, PublishAll, Network, Systemd, StopSignal, StopTimeout, Rm, Init, Restart, Pull, Quiet,
        })
        {
            command.Options.Add(o);
        }
        Registry.AddTo(command);
        command.Arguments.Add(Image);
        command.Arguments.Add(Command);
    }

    public ContainerCreateOptions ToOptions(ParseResult r)
    {
        double? cpus = null;
        if (r.GetValue(Cpus) is { } c)
        {
            cpus = double.TryParse(c, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double v)
                ? v
                : throw new UsageException($"invalid argument \"{c}\" for \"--cpus\" flag: strconv.ParseFloat: parsing \"{c}\": invalid syntax");
        }
        string[] argv = Environment.GetCommandLineArgs();
        return new ContainerCreateOptions
        {
            CreateCommand = argv.Length == 0 ? null : [Path.GetFileName(argv[0]).Replace(".dll", "", StringComparison.Ordinal), .. argv.Skip(1)],
            Image = r.GetValue(Image)!,
            Command = r.GetValue(Command) ?? [],
            Name = r.GetValue(Name),
            Env = r.GetValue(Env) ?? [],
            EnvFiles = r.GetValue(EnvFile) ?? [],
            EnvHost = r.GetValue(EnvHost),
            WorkingDir = r.GetValue(Workdir),
            User = r.GetValue(User),
            Hostname = r.GetValue(Hostname),
            Entrypoint = r.GetValue(Entrypoint),
            Terminal = r.GetValue(Tty),
            Interactive = r.GetValue(Interactive),
            ReadOnly = r.GetValue(ReadOnly),
            ReadOnlyTmpfs = r.GetValue(ReadOnlyTmpfs),
            Tmpfs = r.GetValue(Tmpfs) ?? [],
            Volumes = r.GetValue(Volume) ?? [],
            Mounts = r.GetValue(Mount) ?? [],
            CapAdd = SplitCommas(r.GetValue(CapAdd)),
            CapDrop = SplitCommas(r.GetValue(CapDrop)),
            Privileged = r.GetValue(Privileged),
            SecurityOpts = r.GetValue(SecurityOpt) ?? [],
            Ulimits = r.GetValue(Ulimit) ?? [],
            Devices = r.GetValue(Device) ?? [],
            Memory = r.GetValue(Memory),
            Cpus = cpus,
            PidsLimit = r.GetValue(PidsLimit),
            Labels = r.GetValue(Label) ?? [],
            Annotations = r.GetValue(Annotation) ?? [],
            Publish = r.GetValue(Publish) ?? [],
            PublishAll = r.GetValue(PublishAll),
            Network = r.GetValue(Network),
            Systemd = r.GetValue(Systemd) ?? "true",
            StopSignal = r.GetValue(StopSignal),
            StopTimeout = r.GetValue(StopTimeout),
            AutoRemove = r.GetValue(Rm),
            Init = r.GetValue(Init),
            Restart = r.GetValue(Restart),
            Pull = r.GetValue(Pull),
        };
    }

    /// <summary>
    /// The --pull policy before create: "missing" (default) pulls an image not in the store, "always" and "newer" pull
    /// every time ("newer" keeps the local image when the registry cannot be reached), "never" never pulls.
    /// </summary>
    public async Task PullIfNeededAsync(CommandContext context, EngineAccess engine, ParseResult r, CancellationToken cancellationToken)
    {
        string policy = r.GetValue(Pull) ?? "missing";
        if (policy is not ("missing" or "always" or "never" or "newer"))
        {
            throw new UsageException($"invalid pull policy \"{policy}\": must be always, missing, never or newer");
        }
        string image = r.GetValue(Image)!;
        bool present = engine.Store.FindImage(image) is not null;
        if (policy == "never" || policy == "missing" && present)
        {
            return;
        }
        bool quiet = r.GetValue(Quiet);
        try
        {
            await engine.Images.PullAsync(new PullOptions
            {
                Name = image,
                Access = Registry.Read(r),
                Progress = quiet ? null : CopyProgressPrinter.For(context.Err),
                Log = quiet ? null : line => context.Err.WriteLine(line),
            }, cancellationToken);
        }
        catch (SkiffException) when (policy == "newer" && present)
        {
        }
    }

    private static string[] SplitCommas(string[]? values) =>
        (values ?? []).SelectMany(v => v.Split(',', StringSplitOptions.RemoveEmptyEntries)).ToArray();
}
