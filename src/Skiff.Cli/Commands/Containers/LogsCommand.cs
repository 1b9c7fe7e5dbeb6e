using System.CommandLine;
using System.Globalization;
using Skiff.Cli.Framework;
using Skiff.Engine.Containers;

namespace Skiff.Cli.Commands.Containers;

/// <summary><c>podman logs</c>: stdout lines to stdout, stderr lines to stderr, as podman does for k8s-file.</summary>
public static partial class LogsCommand
{
    public static Command Create(CommandContext context)
    {
        var command = new VerbCommand("logs", "Fetch the logs of one or more containers") { Usage = "[options] CONTAINER [CONTAINER...]" };
        Option<bool> follow = new("--follow", "-f") { Description = "Follow log output.  The default is false" };
        Option<string?> tail = new("--tail") { Description = "Output the specified number of LINES at the end of the logs.  Defaults to -1, which prints all lines" };
        Option<bool> timestamps = new("--timestamps", "-t") { Description = "Output the timestamps in the log" };
        Option<string?> since = new("--since") { Description = "Show logs since TIMESTAMP" };
        Option<string?> until = new("--until") { Description = "Show logs until TIMESTAMP" };
        Option<bool> latest = LifecycleCommands.LatestOption();
        Option<bool> names = new("--names", "-n") { Description = "Output the container name in the log" };
        Argument<string[]> containers = new("CONTAINER") { Arity = ArgumentArity.ZeroOrMore };
        foreach (Option o in new Option[] { follow, tail, timestamps, since, until, latest, names })
        {
            command.Options.Add(o);
        }
        command.Arguments.Add(containers);
        command.SetHandler(async (parseResult, cancellationToken) =>
        {
            using EngineAccess engine = EngineAccess.Open(context, parseResult);
            IReadOnlyList<string> targets = LifecycleCommands.Targets(engine, parseResult, containers, latest);
            int? tailLines = null;
            if (parseResult.GetValue(tail) is { } t)
            {
                tailLines = int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v)
                    ? v
                    : throw new UsageException($"invalid argument \"{t}\" for \"--tail\" flag: strconv.ParseInt: parsing \"{t}\": invalid syntax");
            }
            DateTimeOffset now = context.Time.GetUtcNow();
            var options = new LogsOptions
            {
                Follow = parseResult.GetValue(follow),
                Tail = tailLines,
                Timestamps = parseResult.GetValue(timestamps),
                Since = ParseTime(parseResult.GetValue(since), now),
                Until = ParseTime(parseResult.GetValue(until), now),
            };
            bool showNames = parseResult.GetValue(names) || targets.Count > 1;
            foreach (string target in targets)
            {
                string prefix = showNames ? engine.Containers.Get(target).Definition.Name + " " : "";
                await foreach (LogLine line in engine.Containers.LogsAsync(target, options, cancellationToken))
                {
                    TextWriter w = line.Stderr ? context.Err : context.Out;
                    if (options.Timestamps)
                    {
                        w.Write(line.TimeText + " ");
                    }
                    w.Write(prefix);
                    w.Write(line.Text);
                    if (!line.Partial)
                    {
                        w.Write('\n');
                    }
                    if (options.Follow)
                    {
                        w.Flush();
                    }
                }
            }
            return 0;
        });
        return command;
    }

    /// <summary>RFC 3339, Unix seconds, or a Go duration ago ("10m", "1h30m").</summary>
    public static DateTimeOffset? ParseTime(string? value, DateTimeOffset now)
    {
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }
        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out DateTimeOffset t))
        {
            return t;
        }
        if (double.TryParse(value, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out double unix))
        {
            return DateTimeOffset.FromUnixTimeMilliseconds((long)(unix * 1000));
        }
        global::System.Text.RegularExpressions.MatchCollection m = DurationRegex().Matches(value);
        if (m.Count > 0)
        {
            TimeSpan total = TimeSpan.Zero;
            foreach (global::System.Text.RegularExpressions.Match part in m)
            {
                double n = double.Parse(part.Groups[1].Value, CultureInfo.InvariantCulture);
                total += part.Groups[2].Value switch { "h" => TimeSpan.FromHours(n), "m" => TimeSpan.FromMinutes(n), "s" => TimeSpan.FromSeconds(n), _ => TimeSpan.FromMilliseconds(n) };
            }
            return now - total;
        }
        throw new UsageException($"invalid time value \"{value}\"");
    }

    [global::System.Text.RegularExpressions.GeneratedRegex(@"(\d+(?:\.\d+)?)(ms|h|m|s)")]
    private static partial global::System.Text.RegularExpressions.Regex DurationRegex();
}
