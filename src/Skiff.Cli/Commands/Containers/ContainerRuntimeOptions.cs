using Skiff.Cli.Framework;
using Skiff.Runtime;
using Skiff.Storage;

namespace Skiff.Cli.Commands.Containers;

/// <summary>The runtime options a command line implies: --runtime, and the exit command conmon runs (this binary).</summary>
public static class ContainerRuntimeOptions
{
    public static RuntimeOptions For(Store store, GlobalSettings settings)
    {
        string? self = Environment.ProcessPath;
        List<string>? exit = null;
        if (self is not null && Path.GetFileNameWithoutExtension(self) != "dotnet")
        {
            exit = [self, "--root", store.Options.GraphRoot, "--runroot", store.Options.RunRoot, "--storage-driver", store.Options.Driver];
            if (settings.Runtime is { } rt)
            {
                exit.AddRange(["--runtime", rt]);
            }
            exit.AddRange(["container", "cleanup"]);
        }
        var options = new RuntimeOptions { RunRoot = store.Options.RunRoot, ExitCommand = exit };
        return settings.Runtime is { } runtime ? options with { RuntimePath = RuntimeOptions.FindRuntime(runtime) } : options;
    }
}
