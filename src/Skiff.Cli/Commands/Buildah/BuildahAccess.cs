using System.CommandLine;
using Skiff.Cli.Commands.Registry;
using Skiff.Cli.Framework;
using Skiff.Engine.Images;
using Skiff.Engine.Build;
using Skiff.Transports.Copy;

namespace Skiff.Cli.Commands.Buildah;

/// <summary>The store and the build engine over it, for one buildah verb.</summary>
internal sealed class BuildahAccess : IDisposable
{
    private BuildahAccess(EngineAccess engine, RegistryAccess? access)
    {
        Engine = engine;
        Build = new BuildEngine(engine.Store, null, access is null ? null : BuildEngine.RegistryHooksFor(engine.Images, access));
    }

    public EngineAccess Engine { get; }
    public BuildEngine Build { get; }

    public static BuildahAccess Open(CommandContext context, ParseResult parseResult) => new(EngineAccess.Open(context, parseResult), null);

    /// <summary>With registry access (from, commit, build): the registry flags plus buildah's --registries-conf.</summary>
    public static BuildahAccess Open(CommandContext context, ParseResult parseResult, RegistryFlags flags) =>
        new(EngineAccess.Open(context, parseResult), flags.Read(parseResult) with { RegistriesConf = context.Settings(parseResult).RegistriesConf });

    /// <summary>Copy progress lines as Buildah prints them on a non-terminal (on stderr, keeping stdout for the result).</summary>
    public static IProgress<CopyProgress> Progress(TextWriter err) => new SyncProgress(p =>
    {
        if (p.Line is { } line)
        {
            err.WriteLine(line);
        }
    });

    /// <summary>
    /// The containers a verb taking names or <c>--all</c> acts on: exactly one of the two, with buildah's own
    /// message for each mistake.
    /// </summary>
    public static (string[] Names, bool All) Targets(ParseResult parseResult, Argument<string[]> names, Option<bool> all, string noneGiven, string bothGiven)
    {
        string[] given = parseResult.GetValue(names) ?? [];
        bool everything = parseResult.GetValue(all);
        if (given.Length == 0 && !everything)
        {
            throw new ArgumentCountException(noneGiven);
        }
        if (given.Length > 0 && everything)
        {
            throw new ArgumentCountException(bothGiven);
        }
        return (given, everything);
    }

    public void Dispose() => Engine.Dispose();

    private sealed class SyncProgress(Action<CopyProgress> report) : IProgress<CopyProgress>
    {
        public void Report(CopyProgress value) => report(value);
    }
}
