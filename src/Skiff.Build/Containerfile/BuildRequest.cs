namespace Skiff.Build.Containerfile;

/// <summary>A Containerfile build (<c>buildah build</c>, <c>buildah bud</c>).</summary>
public sealed record BuildRequest
{
    public required string ContextDir { get; init; }
    public required string ContainerfileText { get; init; }
    public string ContainerfileName { get; init; } = "Containerfile";
    public IReadOnlyList<string> Tags { get; init; } = [];
    public IReadOnlyDictionary<string, string> BuildArgs { get; init; } = new Dictionary<string, string>();
    public string? Target { get; init; }

    /// <summary>Commit each step as an image and reuse them (the cache); off: one layer per stage.</summary>
    public bool Layers { get; init; } = true;
    public bool NoCache { get; init; }
    public bool Squash { get; init; }
    public string Format { get; init; } = "oci";
    public IReadOnlyList<string> Labels { get; init; } = [];
    public string Pull { get; init; } = "missing";

    /// <summary>Where STEP lines and RUN output go (RUN commands write to the process's own stdio).</summary>
    public TextWriter? Output { get; init; }
    public bool Quiet { get; init; }
    public required string RuntimeStateRoot { get; init; }
    public string Runtime { get; init; } = "runc";

    /// <summary>--ignorefile; default .containerignore or .dockerignore in the context.</summary>
    public string? IgnoreFile { get; init; }
}

/// <summary>The built image's id (config digest hex).</summary>
public sealed record BuildResult(string ImageId);
