[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Skiff.Build.Tests")]

namespace Skiff.Build;

/// <summary>Names the assembly for tests and tools.</summary>
public static class AssemblyMarker;
