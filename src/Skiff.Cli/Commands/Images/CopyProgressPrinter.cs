using System.Globalization;
using System.Text;
using Skiff.Interop;
using Skiff.Transports.Copy;

namespace Skiff.Cli.Commands.Images;

/// <summary>
/// Prints copy steps as podman does. On a non-terminal: one line per step ("Copying blob sha256:..."). On a terminal:
/// a live bar per blob (bytes so far, total, rate) redrawn in place, ending as "Copying blob 0123456789ab done".
/// </summary>
internal static class CopyProgressPrinter
{
    /// <summary>The printer for <paramref name="output"/>: live bars when it is the process's stdout or stderr and that is a terminal.</summary>
    public static IProgress<CopyProgress> For(TextWriter output)
    {
        int fd = ReferenceEquals(output, Console.Error) ? 2 : ReferenceEquals(output, Console.Out) ? 1 : -1;
        if (fd >= 0 && RawTerminal.IsTerminal(fd) && Environment.GetEnvironmentVariable("TERM") != "dumb")
        {
            return new TerminalProgressPrinter(output, () => RawTerminal.Size(fd)?.Columns ?? 80, TimeProvider.System);
        }
        return new LineProgressPrinter(output);
    }
}

/// <summary>podman's non-terminal output: the line c/image prints when each blob starts, nothing for the bytes.</summary>
internal sealed class LineProgressPrinter(TextWriter output) : IProgress<CopyProgress>
{
    private readonly Lock _gate = new();

    public void Report(CopyProgress value)
    {
        if (value.Line is not { } line)
        {
            return;
        }
        lock (_gate)
        {
            output.WriteLine(line);
        }
    }
}

/// <summary>
/// Bars for the blobs of one image, drawn below the text lines and redrawn in place (cursor up, clear line) at most
/// ten times a second while bytes flow, and at once when a blob starts or ends. A text step (e.g. "Writing manifest")
/// leaves the bars in their final state and starts below them.
/// </summary>
internal sealed class TerminalProgressPrinter(TextWriter output, Func<int> columns, TimeProvider time) : IProgress<CopyProgress>
{
    private static readonly TimeSpan RedrawInterval = TimeSpan.FromMilliseconds(100);
    private readonly Lock _gate = new();
    private readonly List<Bar> _bars = [];
    private int _drawn;
    private long _lastDraw;

    private sealed class Bar(string label, long total, long started)
    {
        public string Label { get; } = label;
        public long Total { get; set; } = total;
        public long Bytes { get; set; }
        public long Started { get; } = started;
        public string? Final { get; set; }
    }

    public void Report(CopyProgress value)
    {
        lock (_gate)
        {
            long now = time.GetTimestamp();
            switch (value.Kind)
            {
                case CopyProgressKind.BlobStarted:
                    _bars.Add(new Bar(Label("blob", value, 12), value.Size, now));
                    Draw(now);
                    break;
                case CopyProgressKind.BlobBytes when Find(value) is { } bar:
                    bar.Bytes = value.Bytes;
                    if (time.GetElapsedTime(_lastDraw, now) >= RedrawInterval)
                    {
                        Draw(now);
                    }
                    break;
                case CopyProgressKind.BlobDone when Find(value) is { } bar:
                    bar.Final = "done";
                    Draw(now);
                    break;
                case CopyProgressKind.BlobSkipped:
                    _bars.Add(new Bar(Label("blob", value, 12), value.Size, now) { Final = "skipped: already exists" });
                    Draw(now);
                    break;
                case CopyProgressKind.Config:
                    _bars.Add(new Bar(Label("config", value, 10), value.Size, now) { Final = "done" });
                    Draw(now);
                    break;
                case CopyProgressKind.BlobBytes or CopyProgressKind.BlobDone:
                    break;
                default:
                    if (_bars.Count > 0)
                    {
                        Draw(now);
                        _bars.Clear();
                        _drawn = 0;
                    }
                    output.WriteLine(value.Message);
                    output.Flush();
                    break;
            }
        }
    }

    private static string Label(string kind, CopyProgress value, int length)
    {
        string encoded = value.Digest?.Encoded ?? "";
        return $"Copying {kind} {(encoded.Length > length ? encoded[..length] : encoded)}";
    }

    private Bar? Find(CopyProgress value)
    {
        string label = Label("blob", value, 12);
        return _bars.FindLast(b => b.Label == label && b.Final is null);
    }

    private void Draw(long now)
    {
        int width = Math.Max(columns(), 20);
        var sb = new StringBuilder();
        if (_drawn > 0)
        {
            sb.Append("\x1b[").Append(_drawn).Append('A');
        }
        foreach (Bar bar in _bars)
        {
            string line = Render(bar, width - 1, time.GetElapsedTime(bar.Started, now));
            sb.Append("\r\x1b[2K").Append(line).Append('\n');
        }
        output.Write(sb.ToString());
        output.Flush();
        _drawn = _bars.Count;
        _lastDraw = now;
    }

    /// <summary>One bar, never wider than <paramref name="width"/> (a wrapped line would break the cursor arithmetic).</summary>
    internal static string Render(string label, long bytes, long total, string? final, int width, TimeSpan elapsed)
    {
        if (final is not null)
        {
            return Fit($"{label} {final}", width);
        }
        string rate = FormatBytes(elapsed.TotalSeconds > 0.05 ? bytes / elapsed.TotalSeconds : 0) + "/s";
        if (total <= 0)
        {
            return Fit($"{label} {FormatBytes(bytes)} | {rate}", width);
        }
        string counters = $"{FormatBytes(bytes)} / {FormatBytes(total)} | {rate}";
        int barWidth = Math.Clamp(width - label.Length - counters.Length - 4, 0, 40);
        if (barWidth < 5)
        {
            return Fit($"{label} {counters}", width);
        }
        int filled = (int)Math.Min(barWidth, barWidth * Math.Min(bytes, total) / total);
        var bar = new StringBuilder(barWidth + 2).Append('[');
        bar.Append('=', Math.Max(0, filled - 1));
        bar.Append(filled == barWidth ? "=" : filled > 0 ? ">" : "");
        bar.Append('-', barWidth - filled).Append(']');
        return Fit($"{label} {bar} {counters}", width);
    }

    private static string Render(Bar bar, int width, TimeSpan elapsed) => Render(bar.Label, bar.Bytes, bar.Total, bar.Final, width, elapsed);

    private static string Fit(string line, int width) => line.Length <= width ? line : line[..width];

    /// <summary>mpb's KiB counters, as podman shows them: 409.0b, 1.5KiB, 12.3MiB.</summary>
    internal static string FormatBytes(double bytes)
    {
        string[] units = ["b", "KiB", "MiB", "GiB", "TiB"];
        int unit = 0;
        while (bytes >= 1024 && unit < units.Length - 1)
        {
            bytes /= 1024;
            unit++;
        }
        return bytes.ToString("0.0", CultureInfo.InvariantCulture) + units[unit];
    }
}
