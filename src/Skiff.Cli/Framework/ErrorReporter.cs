using System.Text;

namespace Skiff.Cli.Framework;

/// <summary>
/// The one place that turns an exception into the face's error line and exit code. Podman and
/// buildah print <c>Error: message</c> and exit 125; skopeo logs a fatal line and exits 1.
/// </summary>
public static class ErrorReporter
{
    /// <summary>Podman's exit code for errors of the engine itself.</summary>
    public const int EngineError = 125;

    public static int Report(CommandContext context, Exception exception)
    {
        if (exception is InvalidLogLevelException && context.Face != FaceKind.Skopeo)
        {
            context.Err.WriteLine(exception.Message);
            return 1;
        }
        if (exception is ExitCodeException exit)
        {
            if (exit.HasMessage) WriteError(context, exit.Message);
            return exit.Code;
        }

        string message = exception switch
        {
            UnknownCommandException unknown when context.Face == FaceKind.Buildah
                => $"unknown command \"{unknown.Command}\" for \"{unknown.ParentPath}\"",
            UnknownCommandException unknown when context.Face == FaceKind.Skopeo
                => $"Unrecognized command `{unknown.ParentPath} {unknown.Command}`\nTry '{unknown.ParentPath} --help' for more information",
            OperationCanceledException => "context canceled",
            AggregateException { InnerExceptions.Count: 1 } aggregate => aggregate.InnerExceptions[0].Message,
            _ => exception.Message,
        };
        WriteError(context, message);

        if (context.Face == FaceKind.Podman)
        {
            switch (exception)
            {
                case UnknownCommandException unknown:
                    context.Err.WriteLine($"Try '{unknown.ParentPath} --help' for more information");
                    break;
                case UsageException { CommandPath: { } path }:
                    context.Err.WriteLine($"See '{path} --help'");
                    break;
            }
        }
        return context.Face == FaceKind.Skopeo ? 1 : EngineError;
    }

    private static void WriteError(CommandContext context, string message)
    {
        if (context.Face == FaceKind.Skopeo)
        {
            string time = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", System.Globalization.CultureInfo.InvariantCulture);
            context.Err.WriteLine($"time=\"{time}\" level=fatal msg={GoQuote(message)}");
            return;
        }
        context.Err.WriteLine("Error: " + message);
    }

    /// <summary>Go's strconv.Quote for the characters that appear in our messages.</summary>
    public static string GoQuote(string s)
    {
        var sb = new StringBuilder(s.Length + 2).Append('"');
        foreach (char c in s)
        {
            switch (c)
            {
                case '"': sb.Append("\\\""); break;
                case '\\': sb.Append("\\\\"); break;
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                default:
                    if (c < 0x20) sb.Append("\\x").Append(((int)c).ToString("x2", System.Globalization.CultureInfo.InvariantCulture));
                    else sb.Append(c);
                    break;
            }
        }
        return sb.Append('"').ToString();
    }
}
