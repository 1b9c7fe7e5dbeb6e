using Skiff.Transports.Copy;

namespace Skiff.Cli.Commands.Images;

/// <summary>Prints copy steps as podman does on a non-terminal ("Copying blob sha256:..."), to stderr.</summary>
internal sealed class CopyProgressPrinter(TextWriter output) : IProgress<CopyProgress>
{
    private readonly Lock _gate = new();

    public void Report(CopyProgress value)
    {
        if (value.Kind is CopyProgressKind.BlobDone)
        {
            return;
        }
        lock (_gate)
        {
            output.WriteLine(value.Message);
        }
    }
}
