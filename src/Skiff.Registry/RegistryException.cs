using System.Net;
using Skiff.Image;

namespace Skiff.Registry;

/// <summary>
/// A registry answered with an error (or could not be reached). Carries the HTTP status, the registry's own error
/// code (<c>MANIFEST_UNKNOWN</c>, <c>UNAUTHORIZED</c>, <c>DENIED</c>, ...) and which registry and repository it was.
/// </summary>
public class RegistryException : SkiffException
{
    public RegistryException(string message, string registry, string? repository = null, HttpStatusCode? statusCode = null,
        string? errorCode = null, Exception? inner = null)
        : base(message, inner)
    {
        Registry = registry;
        Repository = repository;
        StatusCode = statusCode;
        ErrorCode = errorCode;
    }

    public string Registry { get; }

    public string? Repository { get; }

    public HttpStatusCode? StatusCode { get; }

    /// <summary>The first error code of the registry's JSON error body, when it sent one.</summary>
    public string? ErrorCode { get; }

    public bool IsUnauthorized => StatusCode is HttpStatusCode.Unauthorized || ErrorCode is "UNAUTHORIZED";

    public bool IsNotFound => StatusCode is HttpStatusCode.NotFound
        || ErrorCode is "MANIFEST_UNKNOWN" or "BLOB_UNKNOWN" or "NAME_UNKNOWN";
}
