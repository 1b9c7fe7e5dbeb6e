using System.Runtime.CompilerServices;
using Skiff.Runtime;
using Skiff.Runtime.Events;

namespace Skiff.Engine.Containers;

public sealed record EventsOptions
{
    /// <summary>container=, event= (or status=), image=, label=KEY[=VALUE], type=, volume=: podman's filters.</summary>
    public IReadOnlyList<string> Filters { get; init; } = [];
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }

    /// <summary>Keep reading new events (podman's default --stream) until <see cref="Until"/> or cancellation.</summary>
    public bool Stream { get; init; }
}

public sealed partial class ContainerEngine
{
    private static readonly TimeSpan s_eventPoll = TimeSpan.FromMilliseconds(100);

    /// <summary>podman events: the store's event log, filtered, optionally followed as it grows.</summary>
    public async IAsyncEnumerable<EngineEvent> EventsAsync(EventsOptions options, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var filters = options.Filters.Select(f =>
        {
            string[] kv = f.Split('=', 2);
            if (kv.Length != 2 || kv[1].Length == 0)
            {
                throw new RuntimeException($"{f}: invalid filter, must be key=value");
            }
            string key = kv[0] == "status" ? "event" : kv[0];
            if (key is not ("container" or "event" or "image" or "label" or "type" or "volume"))
            {
                throw new RuntimeException($"{kv[0]} is an invalid filter");
            }
            return (Key: key, Value: kv[1]);
        }).ToList();
        EventLog log = Runtime.Events;
        long offset = 0;
        while (true)
        {
            (IReadOnlyList<EngineEvent> events, long next) = log.ReadFrom(offset);
            offset = next;
            foreach (EngineEvent e in events)
            {
                if (options.Since is { } since && e.Time < since.UtcDateTime)
                {
                    continue;
                }
                if (options.Until is { } until && e.Time > until.UtcDateTime)
                {
                    yield break;
                }
                if (filters.GroupBy(f => f.Key).All(g => g.Any(f => EventMatches(e, f.Key, f.Value))))
                {
                    yield return e;
                }
            }
            if (!options.Stream || options.Until is { } end && _time.GetUtcNow() > end)
            {
                yield break;
            }
            await Task.Delay(s_eventPoll, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool EventMatches(EngineEvent e, string key, string value) => key switch
    {
        "container" => e.Type == "container" && (e.Name == value || (e.Id?.StartsWith(value, StringComparison.Ordinal) ?? false)),
        "event" => string.Equals(e.Status, value, StringComparison.OrdinalIgnoreCase),
        "image" => e.Type == "image" ? e.Name == value || (e.Id?.StartsWith(value, StringComparison.Ordinal) ?? false)
            : e.Image == value || (e.Image?.StartsWith(value + ":", StringComparison.Ordinal) ?? false)
              || (e.Image?.EndsWith("/" + value, StringComparison.Ordinal) ?? false) || (e.Image?.Contains("/" + value + ":", StringComparison.Ordinal) ?? false),
        "label" => value.Split('=', 2) is var kv && e.Attributes is { } attrs && attrs.TryGetValue(kv[0], out string? v) && (kv.Length == 1 || v == kv[1]),
        "type" => e.Type == value,
        "volume" => e.Type == "volume" && e.Name == value,
        _ => false,
    };
}
