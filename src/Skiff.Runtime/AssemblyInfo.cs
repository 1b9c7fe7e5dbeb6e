namespace Skiff.Runtime;

/// <summary>Names the assembly for tests and tools.</summary>
public static class AssemblyMarker;
