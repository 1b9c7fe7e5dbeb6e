using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Image;

/// <summary>
/// A content digest as the OCI image spec defines it: <c>algorithm ":" encoded</c>.
/// Only sha256 and sha512 are accepted; the encoded part is lower-case hex of the exact length.
/// </summary>
[JsonConverter(typeof(DigestJsonConverter))]
public readonly record struct Digest
{
    public string Algorithm { get; }
    public string Encoded { get; }

    private Digest(string algorithm, string encoded)
    {
        Algorithm = algorithm;
        Encoded = encoded;
    }

    public bool IsEmpty => Algorithm is null;

    public static Digest Parse(string value) =>
        TryParse(value, out Digest digest, out string? error) ? digest : throw new FormatException(error);

    public static bool TryParse(string? value, out Digest digest) => TryParse(value, out digest, out _);

    private static bool TryParse(string? value, out Digest digest, out string? error)
    {
        digest = default;
        if (string.IsNullOrEmpty(value))
        {
            error = "invalid digest: empty";
            return false;
        }
        int colon = value.IndexOf(':');
        if (colon <= 0)
        {
            error = $"invalid digest \"{value}\": missing algorithm";
            return false;
        }
        string algorithm = value[..colon];
        string encoded = value[(colon + 1)..];
        int expected = algorithm switch { "sha256" => 64, "sha512" => 128, _ => -1 };
        if (expected < 0)
        {
            error = $"invalid digest \"{value}\": unsupported algorithm \"{algorithm}\"";
            return false;
        }
        if (encoded.Length != expected || !IsLowerHex(encoded))
        {
            error = $"invalid digest \"{value}\": encoded part must be {expected} lower-case hex characters";
            return false;
        }
        digest = new Digest(algorithm, encoded);
        error = null;
        return true;
    }

    /// <summary>Accepts a bare 64-hex image id as well as a full digest.</summary>
    public static bool TryParseIdOrDigest(string? value, out Digest digest)
    {
        if (value is { Length: 64 } && IsLowerHex(value))
        {
            digest = new Digest("sha256", value);
            return true;
        }
        return TryParse(value, out digest);
    }

    private static bool IsLowerHex(ReadOnlySpan<char> s)
    {
        foreach (char c in s)
        {
            if (!char.IsAsciiHexDigitLower(c) && !char.IsAsciiDigit(c))
            {
                return false;
            }
        }
        return true;
    }

    public static Digest FromSha256Hash(ReadOnlySpan<byte> hash) => new("sha256", Convert.ToHexStringLower(hash));

    public static Digest FromHash(string algorithm, ReadOnlySpan<byte> hash) => new(algorithm, Convert.ToHexStringLower(hash));

    public static Digest Compute(ReadOnlySpan<byte> data)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(data, hash);
        return FromSha256Hash(hash);
    }

    public static async Task<Digest> ComputeAsync(Stream stream, CancellationToken cancellationToken = default)
    {
        byte[] hash = await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return FromSha256Hash(hash);
    }

    /// <summary>The 64-hex id Podman shows for images and layers (the encoded part).</summary>
    public string Hex => Encoded;

    public override string ToString() => IsEmpty ? "" : $"{Algorithm}:{Encoded}";
}

public sealed class DigestJsonConverter : JsonConverter<Digest>
{
    public override Digest Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        string? s = reader.GetString();
        if (!Digest.TryParse(s, out Digest d))
        {
            throw new JsonException($"invalid digest \"{s}\"");
        }
        return d;
    }

    public override void Write(Utf8JsonWriter writer, Digest value, JsonSerializerOptions options) =>
        writer.WriteStringValue(value.ToString());
}
