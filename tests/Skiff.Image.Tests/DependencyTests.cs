using Skiff.Image;

namespace Skiff.Image.Tests;

public class DependencyTests
{
    [Fact]
    public void Image_vocabulary_depends_on_the_BCL_only()
    {
        var names = typeof(Digest).Assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();
        Assert.All(names, n => Assert.True(n.StartsWith("System", StringComparison.Ordinal) || n == "netstandard", n));
    }
}
