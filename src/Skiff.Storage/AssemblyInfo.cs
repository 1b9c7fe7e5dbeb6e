[assembly: System.Runtime.CompilerServices.InternalsVisibleTo("Skiff.Storage.Tests")]
