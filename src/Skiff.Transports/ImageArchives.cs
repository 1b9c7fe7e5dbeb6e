using System.Text.Json;
using Skiff.Image;
using Skiff.Image.Transports;
using Skiff.Transports.Dir;
using Skiff.Transports.DockerArchive;
using Skiff.Transports.Files;
using Skiff.Transports.Oci;

namespace Skiff.Transports;

/// <summary>One image an archive or layout offers, as <c>podman load</c> lists them.</summary>
/// <param name="Reference">The reference that selects exactly this image.</param>
/// <param name="Names">Its names: RepoTags of a docker-archive, the ref.name annotation of an OCI layout entry.</param>
public sealed record ArchivedImage(IImageReference Reference, IReadOnlyList<string> Names);

/// <summary>
/// What <c>podman load</c> needs before copying: which format a file or directory is in, and the images in it.
/// The contents decide, never the file name.
/// </summary>
public static class ImageArchives
{
    /// <summary>Returns the transport name for <paramref name="path"/>: oci-archive, docker-archive, oci or dir.</summary>
    public static async Task<string> DetectTransportAsync(string path, CancellationToken cancellationToken = default)
    {
        if (Directory.Exists(path))
        {
            if (File.Exists(Path.Combine(path, OciIndexFile.IndexFileName)))
            {
                return OciLayoutTransport.Instance.Name;
            }
            if (File.Exists(Path.Combine(path, "manifest.json")))
            {
                return DirectoryTransport.Instance.Name;
            }
            throw new MalformedImageException($"{path} is neither an OCI layout nor a dir: image");
        }
        if (!File.Exists(path))
        {
            throw new ImageNotFoundException($"{path} does not exist");
        }
        TarIndex tar = await TarIndex.ReadAsync(path, cancellationToken).ConfigureAwait(false);
        if (tar.Resolve("manifest.json") is not null)
        {
            return DockerArchiveTransport.Instance.Name;
        }
        if (tar.Resolve(OciIndexFile.IndexFileName) is not null)
        {
            return OciArchiveTransport.Instance.Name;
        }
        throw new MalformedImageException($"archive {path} is neither a docker-archive (no manifest.json) nor an oci-archive (no index.json)");
    }

    /// <summary>The images in an archive or layout, each with a reference selecting it.</summary>
    public static async Task<IReadOnlyList<ArchivedImage>> ListAsync(string path, CancellationToken cancellationToken = default)
    {
        string transport = await DetectTransportAsync(path, cancellationToken).ConfigureAwait(false);
        switch (transport)
        {
            case "docker-archive":
            {
                IReadOnlyList<DockerArchiveManifestItem> items = await DockerArchiveSource.ListImagesAsync(path, cancellationToken).ConfigureAwait(false);
                return items.Select((item, i) => new ArchivedImage(new DockerArchiveReference(path, sourceIndex: i), item.RepoTags ?? [])).ToList();
            }
            case "dir":
                return [new ArchivedImage(new DirectoryReference(path), [])];
            default:
            {
                bool archive = transport == "oci-archive";
                ILayoutFiles files = archive
                    ? new TarLayoutFiles(await TarIndex.ReadAsync(path, cancellationToken).ConfigureAwait(false))
                    : new DirectoryLayoutFiles(path);
                ImageIndex index = await OciIndexFile.ReadAsync(files, cancellationToken).ConfigureAwait(false);
                var result = new List<ArchivedImage>();
                foreach (Descriptor d in index.Manifests)
                {
                    string? name = d.Annotations?.GetValueOrDefault(OciIndexFile.RefNameAnnotation);
                    if (name is null && index.Manifests.Count > 1)
                    {
                        continue; // an unnamed entry among several cannot be selected by reference
                    }
                    IImageReference r = archive ? new OciArchiveReference(path, name) : new OciLayoutReference(path, name);
                    result.Add(new ArchivedImage(r, name is null ? [] : [name]));
                }
                return result;
            }
        }
    }
}
