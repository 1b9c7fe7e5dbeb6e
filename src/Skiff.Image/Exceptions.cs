namespace Skiff.Image;

/// <summary>Base of every error Skiff reports about images: the CLI maps it to one line.</summary>
public class SkiffException : Exception
{
    public SkiffException(string message) : base(message) { }
    public SkiffException(string message, Exception? inner) : base(message, inner) { }
}

/// <summary>Bytes did not hash to the digest (or size) that named them. Nothing of them is kept.</summary>
public sealed class DigestMismatchException : SkiffException
{
    public DigestMismatchException(string message) : base(message) { }
}

/// <summary>A reference, digest or other user-supplied name does not follow its grammar.</summary>
public sealed class ReferenceFormatException : SkiffException
{
    public ReferenceFormatException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>An image, manifest, archive or layer is structurally wrong.</summary>
public class MalformedImageException : SkiffException
{
    public MalformedImageException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>No image matches the given name or id.</summary>
public sealed class ImageNotFoundException : SkiffException
{
    public ImageNotFoundException(string message) : base(message) { }
}
