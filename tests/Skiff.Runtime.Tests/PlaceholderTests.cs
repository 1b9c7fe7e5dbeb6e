namespace Skiff.Runtime.Tests;

public class ProjectTests
{
    [Fact]
    public void Assembly_loads() => Assert.NotNull(typeof(Skiff.Runtime.AssemblyMarker).Assembly.GetName().Name);
}
