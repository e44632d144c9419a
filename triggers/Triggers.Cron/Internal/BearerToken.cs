using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Triggers.Cron.Internal;

/// <summary>Checks an <c>Authorization: Bearer TOKEN</c> header against the configured token in constant time.</summary>
internal static class BearerToken
{
    private const string Scheme = "Bearer ";

    public static bool Matches(StringValues authorization, string? expected)
    {
        if (string.IsNullOrEmpty(expected) || authorization.Count != 1 || authorization[0] is not { } header
            || !header.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Hashing first gives both sides the same length, so the comparison time tells nothing about either.
        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header[Scheme.Length..].Trim()));
        var wanted = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        return CryptographicOperations.FixedTimeEquals(given, wanted);
    }
}
