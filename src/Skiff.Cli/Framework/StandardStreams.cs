using System.Text;
using Skiff.Interop;

namespace Skiff.Cli.Framework;

/// <summary>
/// The process's standard streams, bypassing System.Console: its streams set the terminal up on first use (even
/// when the stream itself is a pipe) and write terminfo's keypad-transmit sequence (ESC[?1h ESC=) to it; podman
/// writes nothing of the kind.
/// </summary>
internal static class StandardStreams
{
    public static Stream Open(int fd) => new DescriptorStream(fd);

    /// <summary>Points Console.Out/Error/In at descriptor streams, so every writer of ours goes around Console's set-up.</summary>
    public static void AvoidConsoleTerminalSetUp()
    {
        var utf8 = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false);
        Console.SetOut(new StreamWriter(new DescriptorStream(1), utf8, 1024) { AutoFlush = true });
        Console.SetError(new StreamWriter(new DescriptorStream(2), utf8, 1024) { AutoFlush = true });
        Console.SetIn(new StreamReader(new DescriptorStream(0), utf8, detectEncodingFromByteOrderMarks: false, 1024));
    }
}
