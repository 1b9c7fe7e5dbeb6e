using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("Skiff.Registry.Tests")]

namespace Skiff.Registry;

/// <summary>Names the assembly for tests and tools.</summary>
public static class AssemblyMarker;
