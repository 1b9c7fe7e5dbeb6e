using System.Globalization;
using Skiff.Runtime;

namespace Skiff.Engine.Containers;

public sealed partial class ContainerEngine
{
    /// <summary>
    /// podman logs: the k8s-file log's lines ("TIME STREAM F|P TEXT"), --tail, --since/--until, and with --follow
    /// new lines until the container stops.
    /// </summary>
    public async IAsyncEnumerable<LogLine> LogsAsync(string nameOrId, LogsOptions options,
        [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ContainerInfo info = Runtime.Get(nameOrId);
        var lines = new List<LogLine>();
        long position = 0;
        string pending = "";
        (List<LogLine> Lines, long Position, string Pending) ReadMore(long from, string partial)
        {
            var read = new List<LogLine>();
            if (!File.Exists(info.LogPath))
            {
                return (read, from, partial);
            }
            using var stream = new FileStream(info.LogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            stream.Seek(from, SeekOrigin.Begin);
            using var reader = new StreamReader(stream);
            string text = partial + reader.ReadToEnd();
            long end = stream.Position;
            int lastNewline = text.LastIndexOf('\n');
            string complete = lastNewline < 0 ? "" : text[..(lastNewline + 1)];
            string rest = lastNewline < 0 ? text : text[(lastNewline + 1)..];
            foreach (string line in complete.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                if (Parse(line) is { } l)
                {
                    read.Add(l);
                }
            }
            return (read, end, rest);
        }

        (lines, position, pending) = ReadMore(0, "");
        IEnumerable<LogLine> selected = lines.Where(l => Keep(l, options));
        if (options.Tail is int tail and >= 0)
        {
            // Tail counts whole lines: partial chunks belong to the line that ends them.
            var whole = new List<List<LogLine>>();
            var current = new List<LogLine>();
            foreach (LogLine l in selected)
            {
                current.Add(l);
                if (!l.Partial)
                {
                    whole.Add(current);
                    current = [];
                }
            }
            if (current.Count > 0)
            {
                whole.Add(current);
            }
            selected = whole.Skip(Math.Max(0, whole.Count - tail)).SelectMany(x => x);
        }
        foreach (LogLine l in selected)
        {
            yield return l;
        }
        if (!options.Follow)
        {
            yield break;
        }
        while (!cancellationToken.IsCancellationRequested)
        {
            ContainerInfo? now = Runtime.Find(info.Record.Id);
            bool running = now is not null && now.Status.State is ContainerState.Running or ContainerState.Paused or ContainerState.Created && now.Status.Pid > 0;
            (List<LogLine> more, long next, string rest) = ReadMore(position, pending);
            position = next;
            pending = rest;
            foreach (LogLine l in more.Where(l => Keep(l, options)))
            {
                yield return l;
            }
            if (!running)
            {
                yield break;
            }
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    private static bool Keep(LogLine line, LogsOptions options) =>
        (options.Since is null || line.Time >= options.Since) && (options.Until is null || line.Time <= options.Until);

    private static LogLine? Parse(string line)
    {
        string[] parts = line.Split(' ', 4);
        if (parts.Length < 3)
        {
            return null;
        }
        if (ParseTimestamp(parts[0]) is not { } time)
        {
            return null;
        }
        return new LogLine(time, parts[1] == "stderr", parts.Length > 3 ? parts[3] : "", parts[2] == "P") { TimeText = parts[0] };
    }

    /// <summary>conmon writes nanoseconds; .NET parses at most seven fraction digits.</summary>
    private static DateTimeOffset? ParseTimestamp(string text)
    {
        int dot = text.IndexOf('.', StringComparison.Ordinal);
        if (dot > 0)
        {
            int end = dot + 1;
            while (end < text.Length && char.IsAsciiDigit(text[end]))
            {
                end++;
            }
            string fraction = text[(dot + 1)..end];
            if (fraction.Length > 7)
            {
                text = text[..(dot + 1)] + fraction[..7] + text[end..];
            }
        }
        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.None, out DateTimeOffset time) ? time : null;
    }
}
