namespace Skiff.Cli.Framework;

/// <summary>
/// Internal re-exec entry points (<c>skiff __copier ...</c>): privileged helpers run our own binary
/// instead of forking. They are dispatched before any parsing, so they start fast and are free of
/// face rules. The composition root fills the registry.
/// </summary>
public sealed class HiddenVerbRegistry
{
    public const string Prefix = "__";

    private readonly Dictionary<string, Func<string[], CancellationToken, Task<int>>> _verbs = new(StringComparer.Ordinal);

    public void Add(string name, Func<string[], CancellationToken, Task<int>> entryPoint)
    {
        if (!name.StartsWith(Prefix, StringComparison.Ordinal))
            throw new ArgumentException($"hidden verb '{name}' must start with '{Prefix}'", nameof(name));
        _verbs.Add(name, entryPoint);
    }

    public bool TryGet(string name, out Func<string[], CancellationToken, Task<int>> entryPoint)
        => _verbs.TryGetValue(name, out entryPoint!);

    public static bool IsHidden(string verb) => verb.StartsWith(Prefix, StringComparison.Ordinal);
}
