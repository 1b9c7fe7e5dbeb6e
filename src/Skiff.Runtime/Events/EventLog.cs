using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Skiff.Interop;

namespace Skiff.Runtime.Events;

/// <summary>One event as podman reports it (its JSON names); Time is UTC.</summary>
public sealed record EngineEvent
{
    [JsonPropertyName("ID")] public string? Id { get; init; }
    public string? Image { get; init; }
    public string? Name { get; init; }
    public required string Status { get; init; }
    public required DateTime Time { get; init; }
    public required string Type { get; init; }
    public Dictionary<string, string>? Attributes { get; init; }
    public int? ContainerExitCode { get; init; }
}

/// <summary>
/// The store's event log: JSON lines in RUNROOT/events/events.log, like podman's file backend (lost with the run
/// root at reboot). Every record is one O_APPEND write, so any number of skiff processes can append at once.
/// Writing is best effort: an operation never fails because its event could not be recorded.
/// </summary>
public sealed class EventLog
{
    private readonly TimeProvider _time;

    public EventLog(string runRoot, TimeProvider? time = null)
    {
        Path = System.IO.Path.Combine(runRoot, "events", "events.log");
        _time = time ?? TimeProvider.System;
    }

    public string Path { get; }

    public void Container(string status, ContainerDefinition def, int? exitCode = null) =>
        Write(new EngineEvent
        {
            Id = def.Id,
            Image = def.ImageName ?? def.ImageId ?? "",
            Name = def.Name,
            Status = status,
            Time = _time.GetUtcNow().UtcDateTime,
            Type = "container",
            Attributes = new Dictionary<string, string>(def.Labels),
            ContainerExitCode = exitCode,
        });

    public void Image(string status, string? id, string name) =>
        Write(new EngineEvent { Id = id, Name = name, Status = status, Time = _time.GetUtcNow().UtcDateTime, Type = "image" });

    public void Volume(string status, string name) =>
        Write(new EngineEvent { Name = name, Status = status, Time = _time.GetUtcNow().UtcDateTime, Type = "volume" });

    public void Write(EngineEvent e)
    {
        ArgumentNullException.ThrowIfNull(e);
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(e, EventJsonContext.Default.EngineEvent);
        byte[] line = new byte[json.Length + 1];
        json.CopyTo(line, 0);
        line[^1] = (byte)'\n';
        try
        {
            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
            AppendFile.Append(Path, line);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or SystemCallException)
        {
            // Best effort, as podman: the event is lost, the operation stands.
        }
    }

    /// <summary>Events recorded from byte <paramref name="offset"/> on; returns where the last whole line ended.</summary>
    public (IReadOnlyList<EngineEvent> Events, long Offset) ReadFrom(long offset)
    {
        var events = new List<EngineEvent>();
        byte[] bytes;
        try
        {
            using var stream = new FileStream(Path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            if (stream.Length <= offset)
            {
                return (events, offset);
            }
            stream.Position = offset;
            bytes = new byte[stream.Length - offset];
            stream.ReadExactly(bytes);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            return (events, offset);
        }
        int start = 0;
        while (start < bytes.Length)
        {
            int end = Array.IndexOf(bytes, (byte)'\n', start);
            if (end < 0)
            {
                break; // a record still being written: read it next time
            }
            try
            {
                if (JsonSerializer.Deserialize(bytes.AsSpan(start, end - start), EventJsonContext.Default.EngineEvent) is { } e)
                {
                    events.Add(e);
                }
            }
            catch (JsonException)
            {
                // A damaged line (a crash mid-write on a full disk): skipped, the rest stays readable.
            }
            start = end + 1;
        }
        return (events, offset + start);
    }

    /// <summary>podman's text line: "2026-11-25 12:24:18.715599978 +0000 UTC container init ID (image=..., name=...)".</summary>
    public static string Text(EngineEvent e)
    {
        var sb = new StringBuilder();
        sb.Append(e.Time.ToString("yyyy-MM-dd HH:mm:ss.fffffff", System.Globalization.CultureInfo.InvariantCulture).TrimEnd('0').TrimEnd('.'));
        sb.Append(" +0000 UTC ").Append(e.Type).Append(' ').Append(e.Status).Append(' ');
        if (e.Type == "container")
        {
            sb.Append(e.Id).Append(" (image=").Append(e.Image).Append(", name=").Append(e.Name);
            foreach ((string k, string v) in e.Attributes ?? [])
            {
                sb.Append(", ").Append(k).Append('=').Append(v);
            }
            sb.Append(')');
        }
        else
        {
            sb.Append(e.Id).Append(' ').Append(e.Name);
        }
        return sb.ToString();
    }
}

[JsonSourceGenerationOptions(WriteIndented = false, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull)]
[JsonSerializable(typeof(EngineEvent))]
internal sealed partial class EventJsonContext : JsonSerializerContext;
