using System.Runtime.InteropServices;

[assembly: System.Runtime.CompilerServices.DisableRuntimeMarshalling]

namespace Skiff.Interop;

/// <summary>Raw libc entry points. Callers use the .NET-cased wrappers, never these.</summary>
internal static partial class Libc
{
    internal const string Name = "libc";

    [LibraryImport(Name, EntryPoint = "strerror")]
    internal static unsafe partial byte* StrError(int errnum);
}
