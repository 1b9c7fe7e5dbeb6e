using Skiff.Image;
using Skiff.Storage;

namespace Skiff.Build.Containers;

/// <summary>A working container: its store record and the builder state kept with it.</summary>
public sealed class Builder
{
    internal Builder(ContainerRecord record, BuilderState state)
    {
        Record = record;
        State = state;
    }

    public ContainerRecord Record { get; internal set; }

    public BuilderState State { get; internal set; }

    public string Id => Record.Id;

    public string Name => State.Container;

    /// <summary>The image config being edited.</summary>
    public ImageConfig Config => ImageConfig.Parse(System.Text.Encoding.UTF8.GetBytes(State.Config));

    public ContainerConfig ContainerConfig => Config.Config ?? new ContainerConfig();
}
