using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Dir;
using Skiff.Transports.DockerArchive;
using Skiff.Transports.Oci;

namespace Skiff.Transports;

/// <summary>
/// The transports a process knows, registered explicitly by its composition root, and the parser of
/// <c>transport:reference</c> image names (as skopeo and <c>podman save/load</c> take them).
/// </summary>
public sealed class TransportRegistry
{
    private readonly Dictionary<string, IImageTransport> _transports = new(StringComparer.Ordinal);

    /// <summary>A registry with the file transports of this assembly (oci, oci-archive, docker-archive, dir).</summary>
    public static TransportRegistry CreateWithFileTransports()
    {
        var registry = new TransportRegistry();
        registry.Register(OciLayoutTransport.Instance);
        registry.Register(OciArchiveTransport.Instance);
        registry.Register(DockerArchiveTransport.Instance);
        registry.Register(DirectoryTransport.Instance);
        return registry;
    }

    /// <summary>Adds a transport; a name can be registered once.</summary>
    public TransportRegistry Register(IImageTransport transport)
    {
        if (!_transports.TryAdd(transport.Name, transport))
        {
            throw new InvalidOperationException($"transport \"{transport.Name}\" is already registered");
        }
        return this;
    }

    public IReadOnlyCollection<string> Names => _transports.Keys;

    public IImageTransport? Get(string name) => _transports.GetValueOrDefault(name);

    /// <summary>
    /// Parses <c>transport:reference</c>. Throws <see cref="ReferenceFormatException"/> naming the input when the
    /// colon or the transport is missing, or when the transport rejects the reference.
    /// </summary>
    public IImageReference ParseImageName(string imageName)
    {
        int colon = imageName.IndexOf(':');
        if (colon <= 0)
        {
            throw new ReferenceFormatException($"Invalid image name \"{imageName}\", expected colon-separated transport:reference");
        }
        string name = imageName[..colon];
        if (!_transports.TryGetValue(name, out IImageTransport? transport))
        {
            throw new ReferenceFormatException($"Invalid image name \"{imageName}\", unknown transport \"{name}\"");
        }
        return transport.ParseReference(imageName[(colon + 1)..]);
    }

    public bool TryParseImageName(string imageName, out IImageReference? reference)
    {
        try
        {
            reference = ParseImageName(imageName);
            return true;
        }
        catch (ReferenceFormatException)
        {
            reference = null;
            return false;
        }
    }

    /// <summary>The user-facing form, <c>transport:reference</c>.</summary>
    public static string Format(IImageReference reference) => $"{reference.Transport.Name}:{reference.StringWithinTransport}";
}
