using System.Security.Cryptography;

namespace Skiff.Image;

/// <summary>Incremental digest computation for bytes that pass by once.</summary>
public sealed class DigestHasher : IDisposable
{
    private readonly IncrementalHash _hash;
    private readonly string _algorithm;

    public DigestHasher(string algorithm = "sha256")
    {
        _algorithm = algorithm;
        _hash = algorithm switch
        {
            "sha256" => IncrementalHash.CreateHash(HashAlgorithmName.SHA256),
            "sha512" => IncrementalHash.CreateHash(HashAlgorithmName.SHA512),
            _ => throw new NotSupportedException($"unsupported digest algorithm \"{algorithm}\""),
        };
    }

    public long BytesHashed { get; private set; }

    public void Append(ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data);
        BytesHashed += data.Length;
    }

    public Digest GetDigest()
    {
        Span<byte> buffer = stackalloc byte[64];
        int n = _hash.GetCurrentHash(buffer);
        return Digest.FromHash(_algorithm, buffer[..n]);
    }

    public void Dispose() => _hash.Dispose();
}
