using Skiff.Image;
using Skiff.Image.Transports;

namespace Skiff.Storage.StorageTransport;

/// <summary>
/// <c>containers-storage:[NAME][@ID]</c>: images in the local store. One transport instance serves one opened
/// <see cref="Store"/>; the composition root registers it (there is no store specifier syntax).
/// </summary>
public sealed class ContainersStorageTransport : IImageTransport
{
    public ContainersStorageTransport(Store store) => Store = store;

    public Store Store { get; }

    public string Name => "containers-storage";

    public IImageReference ParseReference(string reference) => StorageReference.Parse(this, reference);

    /// <summary>
    /// A reference to an image by name and/or id. With neither, it can only be a destination: the image is stored
    /// without a name (as <c>podman load</c> does for an untagged archive).
    /// </summary>
    public StorageReference NewReference(Reference? name, string? imageId = null) => new(this, name, imageId, name?.ToString());
}

/// <summary>
/// An image in the store: by name (<c>localhost/busybox:latest</c>, normalised as c/image does: a short name is on
/// docker.io and gets <c>:latest</c>), by id (<c>@ID</c>, 64 hex), or both (<c>NAME@ID</c>).
/// </summary>
public sealed class StorageReference : IImageReference
{
    private readonly ContainersStorageTransport _transport;
    private readonly string? _input;

    internal StorageReference(ContainersStorageTransport transport, Reference? name, string? imageId, string? input)
    {
        _transport = transport;
        Name = name;
        ImageId = imageId;
        _input = input;
    }

    internal static StorageReference Parse(ContainersStorageTransport transport, string reference)
    {
        if (reference.StartsWith('['))
        {
            throw new ReferenceFormatException($"invalid containers-storage reference \"{reference}\": store specifiers are not supported; use --root/--storage-driver");
        }
        string namePart = reference;
        string? id = null;
        int at = reference.LastIndexOf('@');
        if (at >= 0 && IsId(reference[(at + 1)..]))
        {
            id = reference[(at + 1)..];
            namePart = reference[..at];
        }
        else if (IsId(reference))
        {
            id = reference;
            namePart = "";
        }
        Reference? name = null;
        if (namePart.Length > 0)
        {
            try
            {
                name = Reference.Parse(namePart).TagOrLatest();
            }
            catch (ReferenceFormatException e)
            {
                throw new ReferenceFormatException($"invalid containers-storage reference \"{reference}\": {e.Message}", e);
            }
        }
        if (name is null && id is null)
        {
            throw new ReferenceFormatException($"invalid containers-storage reference \"{reference}\": no name or image id");
        }
        return new StorageReference(transport, name, id, namePart.Length > 0 ? namePart : null);
    }

    private static bool IsId(string s) => s.Length == 64 && s.All(c => char.IsAsciiDigit(c) || char.IsAsciiHexDigitLower(c));

    /// <summary>The image's name, normalised; null for an id-only reference.</summary>
    public Reference? Name { get; }

    /// <summary>The image id (hex of the config digest), when given.</summary>
    public string? ImageId { get; }

    public Store Store => _transport.Store;

    public IImageTransport Transport => _transport;

    public string StringWithinTransport => (Name, ImageId) switch
    {
        ({ } n, { } id) => $"{n}@{id}",
        ({ } n, null) => n.ToString(),
        (null, { } id) => "@" + id,
        _ => "",
    };

    public Reference? DockerReference => Name;

    /// <summary>The stored image this reference names: by id first, then by name (also as the user typed it).</summary>
    public ImageRecord? Resolve()
    {
        if (ImageId is not null)
        {
            ImageRecord? byId = Store.FindImage(ImageId);
            if (byId is null || Name is null || byId.Names.Contains(Name.ToString()))
            {
                return byId;
            }
            return null;
        }
        if (Name is null)
        {
            return null;
        }
        return Store.FindImage(Name.ToString()) ?? (_input is not null ? Store.FindImage(_input) : null);
    }

    public async Task<IImageSource> OpenSourceAsync(CancellationToken cancellationToken = default)
    {
        ImageRecord image = Resolve() ?? throw new ImageNotFoundException($"{_input ?? StringWithinTransport}: image not known");
        return await StorageImageSource.OpenAsync(this, image, cancellationToken).ConfigureAwait(false);
    }

    public Task<IImageDestination> OpenDestinationAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IImageDestination>(new StorageImageDestination(this));

    /// <summary>Deletes the image (not in use by containers) and its unused layers.</summary>
    public async Task DeleteAsync(CancellationToken cancellationToken = default)
    {
        ImageRecord image = Resolve() ?? throw new ImageNotFoundException($"{_input ?? StringWithinTransport}: image not known");
        await Store.DeleteImageAsync(image.Id, force: false, cancellationToken).ConfigureAwait(false);
    }

    public override string ToString() => $"containers-storage:{StringWithinTransport}";
}
