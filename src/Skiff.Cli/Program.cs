using Skiff.Cli.Framework;

namespace Skiff.Cli;

public static class Program
{
    public static int Main(string[] args)
    {
        if (args.Length > 0 && HiddenVerbRegistry.IsHidden(args[0]))
            return RunHiddenVerb(args);

        StandardStreams.AvoidConsoleTerminalSetUp();
        string invokedAs = Path.GetFileName(InvokedPath());
        return Cli.RunAsync(invokedAs, args, Console.Out, Console.Error, Console.In).GetAwaiter().GetResult();
    }

    // Re-exec'd helpers skip the faces entirely: no option trees are built on their start-up path.
    private static int RunHiddenVerb(string[] args)
    {
        var registry = new HiddenVerbRegistry();
        Composition.RegisterHiddenVerbs(registry);
        if (!registry.TryGet(args[0], out var entryPoint))
        {
            Console.Error.WriteLine($"Error: unknown internal command {args[0]}");
            return ErrorReporter.EngineError;
        }
        try
        {
            return entryPoint(args[1..], CancellationToken.None).GetAwaiter().GetResult();
        }
        catch (Exception e)
        {
            Console.Error.WriteLine("Error: " + e.Message);
            return e is ExitCodeException exit ? exit.Code : ErrorReporter.EngineError;
        }
    }

    // argv[0] as the user's shell passed it: the link name selects the face. Environment.ProcessPath
    // resolves links, and GetCommandLineArgs()[0] names the managed entry assembly under the JIT host.
    private static string InvokedPath()
    {
        try
        {
            byte[] cmdline = File.ReadAllBytes("/proc/self/cmdline");
            int end = Array.IndexOf(cmdline, (byte)0);
            if (end > 0) return global::System.Text.Encoding.UTF8.GetString(cmdline, 0, end);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        string[] args = Environment.GetCommandLineArgs();
        return args.Length > 0 ? args[0] : "skiff";
    }
}
