namespace Skiff.Registry.Tests;

public class ProjectTests
{
    [Fact]
    public void Assembly_loads() => Assert.NotNull(typeof(Skiff.Registry.AssemblyMarker).Assembly.GetName().Name);
}
