namespace Skiff.Build.Tests;

public class ProjectTests
{
    [Fact]
    public void Assembly_loads() => Assert.NotNull(typeof(Skiff.Build.AssemblyMarker).Assembly.GetName().Name);
}
