[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Skiff.Transports.Tests")]

namespace Skiff.Transports;
