using System.CommandLine;
using Skiff.Cli.Framework;
using Skiff.Engine;
using Skiff.Cli.Commands.Containers;
using Skiff.Engine.Containers;
using Skiff.Engine.Images;
using Skiff.Storage;

namespace Skiff.Cli.Commands;

/// <summary>Opens the store a command line names (global flags over storage.conf) and the engines over it.</summary>
public sealed class EngineAccess : IDisposable
{
    private readonly GlobalSettings _settings;
    private ContainerEngine? _containers;

    private EngineAccess(Store store, GlobalSettings settings)
    {
        Store = store;
        _settings = settings;
        Images = new ImageEngine(store);
        System = new SystemEngine(store);
    }

    /// <summary>The container engine; conmon's exit command re-runs this binary's `container cleanup` on the same store.</summary>
    public ContainerEngine Containers => _containers ??= new ContainerEngine(Store, ContainerRuntimeOptions.For(Store, _settings));

    public Store Store { get; }
    public ImageEngine Images { get; }
    public SystemEngine System { get; }

    public static EngineAccess Open(CommandContext context, ParseResult parseResult)
    {
        GlobalSettings settings = context.Settings(parseResult);
        string? driver = settings.StorageDriver;
        if (driver is not null and not ("overlay" or "vfs"))
        {
            throw new UsageException($"unsupported storage driver \"{driver}\": choose overlay or vfs");
        }
        StoreOptions options = Store.LoadOptions(settings.Root, settings.RunRoot, driver);
        return new EngineAccess(Store.Open(options), settings);
    }

    public void Dispose() => Store.Dispose();
}
