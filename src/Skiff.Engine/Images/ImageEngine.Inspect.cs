using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Storage;

namespace Skiff.Engine.Images;

public sealed partial class ImageEngine
{
    public ImageInspectReport Inspect(string nameOrId)
    {
        ImageRecord image = Resolve(nameOrId);
        ImageConfig config = ReadConfig(image);
        ManifestBlob manifest = _store.ReadImageManifest(image);
        string? upper = image.TopLayer is null ? null : _store.LayerDiffPath(image.TopLayer);
        var driverData = new Dictionary<string, string>();
        if (upper is not null)
        {
            driverData["UpperDir"] = upper;
            if (_store.Options.Driver == "overlay")
            {
                driverData["WorkDir"] = Path.Combine(Path.GetDirectoryName(upper)!, "work");
                var lowers = LowerDirs(image.TopLayer!).ToList();
                if (lowers.Count > 0)
                {
                    driverData["LowerDir"] = string.Join(':', lowers);
                }
            }
        }
        string? comment = config.History?.LastOrDefault()?.Comment;
        return new ImageInspectReport
        {
            Id = image.Id,
            Digest = image.ManifestDigest.ToString(),
            RepoTags = [.. image.Names],
            RepoDigests = RepoDigestsOf(image),
            Comment = comment ?? "",
            Created = config.Created ?? image.Created,
            Config = config.Config ?? new ContainerConfig(),
            Author = config.Author ?? "",
            Architecture = config.Architecture,
            Os = config.Os,
            Size = image.Size,
            VirtualSize = image.Size,
            GraphDriver = new GraphDriverReport { Name = _store.Options.Driver, Data = driverData },
            RootFS = new RootFsReport { Layers = config.RootFs.DiffIds.Select(d => d.ToString()).ToList() },
            Labels = config.Config?.Labels,
            Annotations = ManifestAnnotations(manifest),
            ManifestType = manifest.MediaType,
            User = config.Config?.User ?? "",
            History = config.History ?? [],
            NamesHistory = [.. image.Names],
        };
    }

    private IEnumerable<string> LowerDirs(string topLayer)
    {
        string? parent = _store.GetLayer(topLayer)?.Parent;
        while (parent is not null)
        {
            yield return _store.LayerDiffPath(parent);
            parent = _store.GetLayer(parent)?.Parent;
        }
    }

    private static Dictionary<string, string> ManifestAnnotations(ManifestBlob manifest)
    {
        if (!MediaTypes.IsManifest(manifest.MediaType))
        {
            return [];
        }
        return ImageManifest.Parse(manifest.Bytes).Annotations ?? [];
    }

    /// <summary>podman history: newest first; entries that made a layer carry its size.</summary>
    public IReadOnlyList<HistoryEntryReport> History(string nameOrId)
    {
        ImageRecord image = Resolve(nameOrId);
        ImageConfig config = ReadConfig(image);
        var layers = new List<LayerRecord>();
        for (string? id = image.TopLayer; id is not null; id = _store.GetLayer(id)?.Parent)
        {
            if (_store.GetLayer(id) is { } layer)
            {
                layers.Insert(0, layer);
            }
        }
        List<HistoryEntry> history = config.History ?? [];
        var rows = new List<HistoryEntryReport>();
        int layerIndex = 0;
        for (int i = 0; i < history.Count; i++)
        {
            HistoryEntry h = history[i];
            long size = 0;
            if (!h.EmptyLayer && layerIndex < layers.Count)
            {
                size = layers[layerIndex++].UncompressedSize;
            }
            rows.Add(new HistoryEntryReport("<missing>", h.Created, h.CreatedBy ?? "", size, h.Comment ?? "", []));
        }
        rows.Reverse();
        if (rows.Count > 0)
        {
            rows[0] = rows[0] with { Id = image.Id, Tags = image.Names };
        }
        else
        {
            rows.Add(new HistoryEntryReport(image.Id, image.Created, "", image.Size, "", image.Names));
        }
        return rows;
    }
}
