using System.Globalization;
using Skiff.Cli.Output.Templates;

namespace Skiff.Cli.Output;

/// <summary>Sizes and durations as podman prints them (docker/go-units).</summary>
public static class Humanize
{
    private static readonly string[] DecimalUnits = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
    private static readonly string[] BinaryUnits = ["B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB", "YiB"];

    /// <summary>go-units HumanSizeWithPrecision: decimal units, <paramref name="precision"/> significant digits ("1.99 MB").</summary>
    public static string Size(double size, int precision = 3)
    {
        int unit = 0;
        while (size >= 1000 && unit < DecimalUnits.Length - 1)
        {
            size /= 1000;
            unit++;
        }
        return GoValues.FormatG(size, precision) + " " + DecimalUnits[unit];
    }

    /// <summary>go-units BytesSize: binary units, 4 significant digits ("1.896 MiB").</summary>
    public static string BinarySize(double size)
    {
        int unit = 0;
        while (size >= 1024 && unit < BinaryUnits.Length - 1)
        {
            size /= 1024;
            unit++;
        }
        return GoValues.FormatG(size, 4) + BinaryUnits[unit];
    }

    /// <summary>go-units HumanDuration ("Less than a second", "About a minute", "3 days").</summary>
    public static string Duration(TimeSpan d)
    {
        long seconds = (long)d.TotalSeconds;
        if (seconds < 1) return "Less than a second";
        if (seconds == 1) return "1 second";
        if (seconds < 60) return $"{seconds} seconds";
        long minutes = (long)d.TotalMinutes;
        if (minutes == 1) return "About a minute";
        if (minutes < 60) return $"{minutes} minutes";
        long hours = (long)Math.Round(d.TotalHours, MidpointRounding.AwayFromZero);
        if (hours == 1) return "About an hour";
        if (hours < 48) return $"{hours} hours";
        if (hours < 24 * 7 * 2) return $"{hours / 24} days";
        if (hours < 24 * 30 * 2) return $"{hours / 24 / 7} weeks";
        if (hours < 24 * 365 * 2) return $"{hours / 24 / 30} months";
        return $"{(long)d.TotalHours / 24 / 365} years";
    }

    /// <summary>Podman's CREATED column: <see cref="Duration"/> of the time since + " ago".</summary>
    public static string Since(DateTimeOffset time, DateTimeOffset now) => Duration(now - time) + " ago";

    /// <summary>Go's time.ANSIC layout in UTC ("Thu Jan  1 00:00:00 1970"), used by version output.</summary>
    public static string Ansic(DateTimeOffset time)
    {
        DateTime t = time.UtcDateTime;
        return string.Create(CultureInfo.InvariantCulture, $"{t:ddd MMM} {t.Day,2} {t:HH:mm:ss yyyy}");
    }
}
