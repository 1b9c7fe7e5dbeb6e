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

    /// <summary>--secret id=ID,src=FILE|env=VAR: what RUN --mount=type=secret,id=ID shows the command.</summary>
    public IReadOnlyDictionary<string, BuildSecret> Secrets { get; init; } = new Dictionary<string, BuildSecret>();

    /// <summary>--network for RUN (host, none); RUN --network overrides it per instruction.</summary>
    public string? Network { get; init; }
}

/// <summary>A build secret's source: a host file, or a variable of the builder's environment.</summary>
public sealed record BuildSecret(string? File, string? EnvironmentVariable)
{
    /// <summary>Parses <c>id=ID,src=PATH</c>, <c>id=ID,env=VAR</c> (<c>type=file|env</c> optional) as <c>--secret</c> takes it.</summary>
    public static (string Id, BuildSecret Secret) Parse(string spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        string? id = null, src = null, env = null, type = null;
        foreach (string part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] kv = part.Split('=', 2);
            string value = kv.Length == 2 ? kv[1] : "";
            switch (kv[0].Trim())
            {
                case "id": id = value; break;
                case "src" or "source": src = value; break;
                case "env": env = value; break;
                case "type": type = value; break;
                default: throw new BuildException($"invalid --secret \"{spec}\": unknown option \"{kv[0]}\"");
            }
        }
        if (string.IsNullOrEmpty(id))
        {
            throw new BuildException($"invalid --secret \"{spec}\": id= is required");
        }
        if (type == "env" || (src is null && env is null))
        {
            // Like Buildah: a bare id, or type=env, names an environment variable (src= may name it too).
            env ??= src ?? id;
            src = null;
        }
        if (src is not null && !System.IO.File.Exists(src))
        {
            throw new BuildException($"invalid --secret \"{spec}\": {src}: no such file");
        }
        return (id, new BuildSecret(src is null ? null : Path.GetFullPath(src), src is null ? env : null));
    }
}

/// <summary>The built image's id (config digest hex).</summary>
public sealed record BuildResult(string ImageId);
