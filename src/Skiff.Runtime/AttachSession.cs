using System.Net.Sockets;
using Microsoft.Win32.SafeHandles;
using Skiff.Interop;

namespace Skiff.Runtime;

/// <summary>
/// A connection to conmon's attach socket (SOCK_SEQPACKET in the bundle): every packet from conmon is one stream
/// byte (2 stdout, 3 stderr) followed by data; what we send is the container's stdin. Terminal size changes go to
/// the bundle's ctl fifo ("1 ROWS COLS").
/// </summary>
public sealed class AttachSession : IDisposable
{
    private const int StdoutStream = 2;
    private const int StderrStream = 3;
    private const int BufferSize = 8192 + 1;

    private readonly Socket _socket;
    private readonly string _bundle;

    private AttachSession(Socket socket, string bundle)
    {
        _socket = socket;
        _bundle = bundle;
    }

    /// <summary>Connects through /proc/self/fd so a long bundle path never hits the 108-byte sun_path limit.</summary>
    public static AttachSession Connect(string bundle)
    {
        using SafeFileHandle dir = FileAt.OpenAt(null, bundle, FileAt.O_PATH | FileAt.O_DIRECTORY);
        var socket = new Socket(AddressFamily.Unix, SocketType.Seqpacket, ProtocolType.Unspecified);
        try
        {
            socket.Connect(new UnixDomainSocketEndPoint(FileAt.ProcPath(dir, "attach")));
        }
        catch (SocketException e)
        {
            socket.Dispose();
            throw new RuntimeException($"attaching to {bundle}: {e.Message}", e);
        }
        return new AttachSession(socket, bundle);
    }

    /// <summary>
    /// Copies the container's output to <paramref name="stdout"/>/<paramref name="stderr"/> until conmon closes the
    /// socket (the container's stdio ended), and <paramref name="stdin"/> to the container meanwhile.
    /// </summary>
    public async Task RunAsync(Stream? stdin, Stream stdout, Stream stderr, CancellationToken cancellationToken = default)
    {
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        Task input = stdin is null ? Task.CompletedTask : Task.Run(() => PumpInputAsync(stdin, cts.Token), CancellationToken.None);
        byte[] buffer = new byte[BufferSize];
        try
        {
            while (true)
            {
                int n;
                try
                {
                    n = await _socket.ReceiveAsync(buffer, SocketFlags.None, cancellationToken).ConfigureAwait(false);
                }
                catch (SocketException)
                {
                    break;
                }
                if (n == 0)
                {
                    break;
                }
                if (n == 1)
                {
                    continue;
                }
                Stream target = buffer[0] == StderrStream ? stderr : stdout;
                if (buffer[0] is StdoutStream or StderrStream)
                {
                    await target.WriteAsync(buffer.AsMemory(1, n - 1), cancellationToken).ConfigureAwait(false);
                    await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
        finally
        {
            await cts.CancelAsync().ConfigureAwait(false);
        }
        _ = input;
    }

    private async Task PumpInputAsync(Stream stdin, CancellationToken cancellationToken)
    {
        byte[] buffer = new byte[8192];
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                int n = await stdin.ReadAsync(buffer, cancellationToken).ConfigureAwait(false);
                if (n == 0)
                {
                    // EOF on our stdin: conmon closes the container's stdin when we half-close.
                    _socket.Shutdown(SocketShutdown.Send);
                    return;
                }
                await _socket.SendAsync(buffer.AsMemory(0, n), SocketFlags.None, cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException or IOException)
        {
        }
    }

    /// <summary>Tells conmon the terminal's size.</summary>
    public void Resize(int rows, int columns)
    {
        try
        {
            using var ctl = new FileStream(Path.Combine(_bundle, "ctl"), FileMode.Open, FileAccess.Write);
            ctl.Write(System.Text.Encoding.ASCII.GetBytes($"1 {rows} {columns}\n"));
        }
        catch (IOException)
        {
        }
    }

    public void Dispose() => _socket.Dispose();
}
