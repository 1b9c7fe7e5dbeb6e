using Skiff.Cli.Framework;

namespace Skiff.Cli;

/// <summary>Picks the face from the name the binary was invoked by and runs the command line.</summary>
public static class Cli
{
    /// <summary>
    /// <paramref name="invokedAs"/> is the basename of argv[0]: <c>podman</c>, <c>buildah</c> and
    /// <c>skopeo</c> links select that face; anything else is <c>skiff</c>, the podman face with
    /// <c>skiff buildah ...</c> and <c>skiff skopeo ...</c> under it.
    /// </summary>
    public static Task<int> RunAsync(string invokedAs, IReadOnlyList<string> args, TextWriter output, TextWriter error, TextReader? input = null, CancellationToken cancellationToken = default)
    {
        (FaceKind kind, string programName, IReadOnlyList<string> rest) = Select(invokedAs, args);
        var context = new CommandContext(kind, programName, output, error, input);
        Face face = Composition.CreateFace(context);
        return face.RunAsync(rest, cancellationToken);
    }

    public static (FaceKind Kind, string ProgramName, IReadOnlyList<string> Args) Select(string invokedAs, IReadOnlyList<string> args)
    {
        switch (invokedAs)
        {
            case "podman": return (FaceKind.Podman, "podman", args);
            case "buildah": return (FaceKind.Buildah, "buildah", args);
            case "skopeo": return (FaceKind.Skopeo, "skopeo", args);
        }
        if (args.Count > 0)
        {
            switch (args[0])
            {
                case "buildah": return (FaceKind.Buildah, "skiff buildah", Tail(args));
                case "skopeo": return (FaceKind.Skopeo, "skiff skopeo", Tail(args));
            }
        }
        return (FaceKind.Podman, "skiff", args);
    }

    private static string[] Tail(IReadOnlyList<string> args)
    {
        var rest = new string[args.Count - 1];
        for (int i = 1; i < args.Count; i++) rest[i - 1] = args[i];
        return rest;
    }
}
