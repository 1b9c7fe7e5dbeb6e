namespace Skiff.Runtime;

/// <summary>Where the runtime's parts are and where it keeps its state.</summary>
public sealed record RuntimeOptions
{
    /// <summary>The store's run root: runc state, exit files and sockets go below it.</summary>
    public required string RunRoot { get; init; }

    /// <summary>The OCI runtime (runc; crun fails on hybrid cgroups).</summary>
    public string RuntimePath { get; init; } = FindRuntime("runc");
    public string ConmonPath { get; init; } = FindFirst(["/usr/bin/conmon", "/usr/libexec/podman/conmon", "/usr/local/bin/conmon"]) ?? "conmon";
    public string? InitPath { get; init; } = FindFirst(["/usr/libexec/podman/catatonit", "/usr/bin/catatonit"]);
    public string NetavarkPath { get; init; } = FindFirst(["/usr/lib/podman/netavark", "/usr/libexec/podman/netavark", "/usr/bin/netavark"]) ?? "netavark";
    public string AardvarkPath { get; init; } = FindFirst(["/usr/lib/podman/aardvark-dns", "/usr/libexec/podman/aardvark-dns", "/usr/bin/aardvark-dns"]) ?? "aardvark-dns";

    /// <summary>
    /// The command conmon runs when the container exits (skiff's `container cleanup`), the container id appended.
    /// Null: no exit command; state is then brought up to date by the next command that reads it.
    /// </summary>
    public IReadOnlyList<string>? ExitCommand { get; init; }

    public string RuncRoot => Path.Combine(RunRoot, "runc");
    public string ExitDir => Path.Combine(RunRoot, "exits");
    public string SocketDir => Path.Combine(RunRoot, "socket");

    public static string FindRuntime(string name)
    {
        if (name.Contains('/', StringComparison.Ordinal))
        {
            return name;
        }
        return FindFirst([$"/usr/sbin/{name}", $"/usr/bin/{name}", $"/usr/local/bin/{name}", $"/usr/local/sbin/{name}"]) ?? name;
    }

    private static string? FindFirst(IEnumerable<string> candidates) => candidates.FirstOrDefault(File.Exists);
}
