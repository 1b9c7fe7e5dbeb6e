using System.Formats.Tar;
using System.Text;
using System.Text.Json;
using Skiff.Image;
using Skiff.Transports.Files;

namespace Skiff.Transports.DockerArchive;

/// <summary>
/// Writes a <c>docker save</c> archive holding one or more images, laid out as podman 4 does: layers as uncompressed
/// <c>HEX.tar</c> at the root, configs as <c>HEX.json</c>, legacy <c>ID/{layer.tar,VERSION,json}</c> entries, then
/// manifest.json and repositories at the end. The archive is written to a temp file next to <see cref="Path"/> and
/// renamed over it by <see cref="CloseAsync"/>; disposing without closing (or any failed write) removes it.
/// </summary>
/// <remarks>Add images with <see cref="NewReference"/> and an <c>ImageCopier</c> copy to each reference, then close.</remarks>
public sealed class DockerArchiveWriter : IAsyncDisposable
{
    private readonly SemaphoreSlim _lock = new(1, 1);
    private readonly string _tempPath;
    private readonly FileStream _file;
    private readonly TarWriter _tar;
    private readonly Dictionary<Digest, long> _blobs = [];
    private readonly Dictionary<Digest, byte[]> _configs = [];
    private readonly HashSet<string> _legacyLayers = new(StringComparer.Ordinal);
    private readonly List<DockerArchiveManifestItem> _items = [];
    private readonly Dictionary<Digest, int> _itemByConfig = [];
    private readonly SortedDictionary<string, SortedDictionary<string, string>> _repositories = new(StringComparer.Ordinal);
    private bool _closed;
    private Exception? _failure;

    private DockerArchiveWriter(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _tempPath = AtomicFile.TempPathNextTo(Path);
        _file = new FileStream(_tempPath, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 1 << 16, FileOptions.Asynchronous);
        _tar = new TarWriter(_file, TarEntryFormat.Gnu, leaveOpen: true);
    }

    /// <summary>Starts an archive at <paramref name="path"/> (replaced at close if it exists).</summary>
    public static DockerArchiveWriter Create(string path)
    {
        string? dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path));
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new SkiffException($"cannot write {path}: directory {dir} does not exist");
        }
        return new DockerArchiveWriter(path);
    }

    public string Path { get; }

    /// <summary>A destination reference adding one image with these RepoTags (none: an untagged image).</summary>
    public DockerArchiveReference NewReference(IReadOnlyList<Reference> tags)
    {
        foreach (Reference t in tags)
        {
            if (t.Tag is null || t.Digest is not null)
            {
                throw new ReferenceFormatException($"docker-archive RepoTags need name:tag, not \"{t}\"");
            }
        }
        return new DockerArchiveReference(this, tags);
    }

    public DockerArchiveReference NewReference(Reference? tag = null) => NewReference(tag is null ? [] : [tag]);

    internal async Task<long?> TryGetBlobAsync(Digest digest, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return _blobs.TryGetValue(digest, out long size) ? size : null;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>
    /// Adds a blob as <paramref name="entryName"/>(digest). With the digest known the bytes stream straight into the
    /// archive (a failure then spoils the whole archive, which is never renamed into place); otherwise they are first
    /// spooled to a temp file to learn the digest that names them.
    /// </summary>
    internal async Task<BlobFile.Written> AddBlobAsync(Stream content, Descriptor expected, Func<Digest, string> entryName, CancellationToken cancellationToken)
    {
        if (expected.Digest.IsEmpty)
        {
            (string temp, BlobFile.Written w) = await BlobFile.WriteTempAsync(content, expected, System.IO.Path.GetDirectoryName(_tempPath)!, cancellationToken).ConfigureAwait(false);
            try
            {
                await using var fs = new FileStream(temp, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous);
                await AddEntryAsync(w.Digest, entryName(w.Digest), fs, null, fs.Length, cancellationToken).ConfigureAwait(false);
                return w;
            }
            finally
            {
                AtomicFile.TryDelete(temp);
            }
        }
        await using var hashing = new DigestingStream(content, expected.Digest, expected.Size, leaveOpen: true);
        long size = await AddEntryAsync(expected.Digest, entryName(expected.Digest), hashing, hashing, expected.Size, cancellationToken).ConfigureAwait(false);
        return new BlobFile.Written(expected.Digest, size);
    }

    private async Task<long> AddEntryAsync(Digest digest, string name, Stream data, DigestingStream? expected, long knownSize, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfUnusable();
            if (_blobs.TryGetValue(digest, out long known))
            {
                // Already in the archive: still read the bytes so a mismatch is reported, but write nothing.
                await data.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
                expected?.Verify();
                return known;
            }
            try
            {
                await _tar.WriteEntryAsync(NewEntry(TarEntryType.RegularFile, name, data, knownSize), cancellationToken).ConfigureAwait(false);
                expected?.Verify();
            }
            catch (Exception e)
            {
                _failure = e;
                throw;
            }
            long size = expected?.BytesProcessed ?? data.Length;
            _blobs[digest] = size;
            return size;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Records an image whose config and layers are in the archive; several tags of one config share an item.</summary>
    internal async Task AddImageAsync(Digest configDigest, IReadOnlyList<Digest> layerDigests, IReadOnlyList<Reference> tags, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfUnusable();
            foreach (Digest d in layerDigests.Append(configDigest))
            {
                if (!_blobs.ContainsKey(d))
                {
                    throw new InvalidOperationException($"docker-archive: blob {d} was not written before the manifest");
                }
            }
            byte[] config = _configs.GetValueOrDefault(configDigest)
                ?? throw new InvalidOperationException($"docker-archive: config {configDigest} was not written before the manifest");
            string lastLayerId = await WriteLegacyLayersAsync(config, layerDigests, cancellationToken).ConfigureAwait(false);
            var layerPaths = layerDigests.Select(LayerPath).ToList();
            if (!_itemByConfig.TryGetValue(configDigest, out int i))
            {
                i = _items.Count;
                _itemByConfig[configDigest] = i;
                _items.Add(new DockerArchiveManifestItem { Config = ConfigPath(configDigest), RepoTags = [], Layers = layerPaths });
            }
            List<string> repoTags = _items[i].RepoTags!;
            foreach (Reference t in tags)
            {
                string s = $"{t.Name}:{t.Tag}";
                if (!repoTags.Contains(s))
                {
                    repoTags.Add(s);
                }
                if (lastLayerId.Length > 0)
                {
                    if (!_repositories.TryGetValue(t.Name, out SortedDictionary<string, string>? byTag))
                    {
                        _repositories[t.Name] = byTag = new(StringComparer.Ordinal);
                    }
                    byTag[t.Tag!] = lastLayerId;
                }
            }
        }
        finally
        {
            _lock.Release();
        }
    }

    internal static string LayerPath(Digest digest) => digest.Encoded + ".tar";

    internal static string ConfigPath(Digest digest) => digest.Encoded + ".json";

    /// <summary>
    /// The per-layer directories older docker versions load from: IDs chained like docker's v1 image IDs (a digest of
    /// the layer's small JSON, which names its parent), each with a symlink to the layer file.
    /// </summary>
    private async Task<string> WriteLegacyLayersAsync(byte[] config, IReadOnlyList<Digest> layers, CancellationToken cancellationToken)
    {
        using JsonDocument configDoc = JsonDocument.Parse(config);
        string lastId = "";
        string? chainId = null;
        for (int i = 0; i < layers.Count; i++)
        {
            chainId = chainId is null ? layers[i].ToString() : Digest.Compute(Encoding.UTF8.GetBytes($"{chainId} {layers[i]}")).ToString();
            bool top = i == layers.Count - 1;
            string id = Digest.Compute(LegacyLayerJson(configDoc.RootElement, top, lastId, null, chainId)).Encoded;
            if (_legacyLayers.Add(id))
            {
                await _tar.WriteEntryAsync(new UstarTarEntry(TarEntryType.SymbolicLink, $"{id}/layer.tar")
                {
                    LinkName = "../" + LayerPath(layers[i]),
                    ModificationTime = DateTimeOffset.UnixEpoch,
                    Mode = 0, // as podman writes it
                }, cancellationToken).ConfigureAwait(false);
                await WriteBytesAsync($"{id}/VERSION", "1.0"u8.ToArray(), cancellationToken).ConfigureAwait(false);
                await WriteBytesAsync($"{id}/json", LegacyLayerJson(configDoc.RootElement, top, lastId, id, null), cancellationToken).ConfigureAwait(false);
            }
            lastId = id;
        }
        return lastId;
    }

    // Keys in sorted order, as Go's encoding/json writes a map; the top layer carries part of the image config.
    private static byte[] LegacyLayerJson(JsonElement config, bool top, string parent, string? id, string? layerId)
    {
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            if (top)
            {
                foreach (string attr in new[] { "architecture", "config", "container", "container_config", "created", "docker_version" })
                {
                    WriteAttr(w, config, attr);
                }
            }
            if (id is not null)
            {
                w.WriteString("id", id);
            }
            if (layerId is not null)
            {
                w.WriteString("layer_id", layerId);
            }
            if (top)
            {
                WriteAttr(w, config, "os");
            }
            if (parent.Length > 0)
            {
                w.WriteString("parent", parent);
            }
            w.WriteEndObject();
        }
        return ms.ToArray();
    }

    private static void WriteAttr(Utf8JsonWriter w, JsonElement config, string attr)
    {
        w.WritePropertyName(attr);
        if (config.ValueKind == JsonValueKind.Object && config.TryGetProperty(attr, out JsonElement v))
        {
            v.WriteTo(w);
        }
        else
        {
            w.WriteNullValue();
        }
    }

    private Task WriteBytesAsync(string name, byte[] bytes, CancellationToken cancellationToken) =>
        _tar.WriteEntryAsync(NewEntry(TarEntryType.RegularFile, name, new MemoryStream(bytes), bytes.Length), cancellationToken);

    // Go's archive/tar, which podman uses, writes ustar headers whenever the entry fits; so do we. A layer whose size
    // is not known up front, or is past ustar's 8 GiB, gets a GNU header (base-256 size) instead.
    private const long UstarMaxSize = (1L << 33) - 1;

    private static TarEntry NewEntry(TarEntryType type, string name, Stream data, long knownSize)
    {
        TarEntry entry = knownSize is >= 0 and <= UstarMaxSize ? new UstarTarEntry(type, name) : new GnuTarEntry(type, name);
        entry.DataStream = data;
        entry.Mode = (UnixFileMode)292; // 0444, as podman writes them
        entry.ModificationTime = DateTimeOffset.UnixEpoch;
        return entry;
    }

    internal async Task WriteConfigAsync(Digest digest, byte[] config, CancellationToken cancellationToken)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfUnusable();
            if (_blobs.ContainsKey(digest))
            {
                return;
            }
            try
            {
                await WriteBytesAsync(ConfigPath(digest), config, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                _failure = e;
                throw;
            }
            _blobs[digest] = config.Length;
            _configs[digest] = config;
        }
        finally
        {
            _lock.Release();
        }
    }

    /// <summary>Writes manifest.json and repositories, finishes the tar and renames it into place.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken = default)
    {
        await _lock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            ThrowIfUnusable();
            _closed = true;
            await WriteBytesAsync("manifest.json", JsonSerializer.SerializeToUtf8Bytes(_items, TransportJsonContext.Default.ListDockerArchiveManifestItem), cancellationToken).ConfigureAwait(false);
            var repos = _repositories.ToDictionary(kv => kv.Key, kv => new Dictionary<string, string>(kv.Value), StringComparer.Ordinal);
            await WriteBytesAsync("repositories", JsonSerializer.SerializeToUtf8Bytes(repos, TransportJsonContext.Default.DictionaryStringDictionaryStringString), cancellationToken).ConfigureAwait(false);
            await _tar.DisposeAsync().ConfigureAwait(false);
            await _file.FlushAsync(cancellationToken).ConfigureAwait(false);
            _file.Flush(flushToDisk: true);
            await _file.DisposeAsync().ConfigureAwait(false);
            File.Move(_tempPath, Path, overwrite: true);
        }
        catch
        {
            _failure ??= new SkiffException("closing the archive failed");
            throw;
        }
        finally
        {
            _lock.Release();
        }
    }

    private void ThrowIfUnusable()
    {
        if (_failure is not null)
        {
            throw new SkiffException($"archive {Path} cannot be written: an earlier write failed ({_failure.Message})", _failure);
        }
        if (_closed)
        {
            throw new InvalidOperationException($"archive {Path} is already closed");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_closed || _failure is not null)
        {
            _closed = true;
            try
            {
                await _tar.DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException or InvalidOperationException)
            {
            }
            await _file.DisposeAsync().ConfigureAwait(false);
            AtomicFile.TryDelete(_tempPath);
        }
        _lock.Dispose();
    }
}
