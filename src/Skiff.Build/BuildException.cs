using Skiff.Image;

namespace Skiff.Build;

/// <summary>A build step that cannot be done as asked (bad option value, missing source, hostile path).</summary>
public class BuildException : SkiffException
{
    public BuildException(string message, Exception? inner = null) : base(message, inner) { }
}

/// <summary>No working container has the given name or id.</summary>
public sealed class BuilderNotFoundException : BuildException
{
    public BuilderNotFoundException(string message) : base(message) { }
}
