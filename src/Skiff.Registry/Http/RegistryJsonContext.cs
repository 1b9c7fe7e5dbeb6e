using System.Text.Json.Serialization;

namespace Skiff.Registry.Http;

internal sealed record RegistryErrorBody([property: JsonPropertyName("errors")] List<RegistryError>? Errors);

internal sealed record RegistryError(
    [property: JsonPropertyName("code")] string? Code,
    [property: JsonPropertyName("message")] string? Message);

internal sealed record TokenResponse(
    [property: JsonPropertyName("token")] string? Token,
    [property: JsonPropertyName("access_token")] string? AccessToken,
    [property: JsonPropertyName("expires_in")] int? ExpiresIn);

internal sealed record TagList(
    [property: JsonPropertyName("name")] string? Name,
    [property: JsonPropertyName("tags")] List<string>? Tags);

internal sealed record Catalog([property: JsonPropertyName("repositories")] List<string>? Repositories);

[JsonSerializable(typeof(RegistryErrorBody))]
[JsonSerializable(typeof(TokenResponse))]
[JsonSerializable(typeof(TagList))]
[JsonSerializable(typeof(Catalog))]
internal sealed partial class RegistryJsonContext : JsonSerializerContext;
