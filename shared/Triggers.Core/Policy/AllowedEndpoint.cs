namespace Triggers.Core.Policy;

/// <summary>
/// One entry of <c>Triggers:AllowedEndpoints</c>: a URL prefix compared on the parsed URL (scheme,
/// host, port, path prefix), never as text. <c>http://127.0.0.1:</c> (an empty port) admits any port
/// of that host; a prefix without a port admits only the scheme's default port.
/// </summary>
public sealed record AllowedEndpoint(string Scheme, string Host, int? Port, string PathPrefix)
{
    /// <summary>Parses a prefix, or returns why it cannot be one.</summary>
    public static bool TryParse(string? text, out AllowedEndpoint? endpoint, out string? error)
    {
        endpoint = null;
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "must not be empty";
            return false;
        }

        text = text.Trim();
        var anyPort = HasEmptyPort(text);
        if (!Uri.TryCreate(anyPort ? text.Insert(AuthorityEnd(text), "1") : text, UriKind.Absolute, out var url)
            || (url.Scheme != Uri.UriSchemeHttp && url.Scheme != Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(url.Host))
        {
            error = "must be an absolute http:// or https:// URL prefix (examples: http://127.0.0.1:, https://api.example.com/hooks/)";
            return false;
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            error = "must not contain user info (user:password@)";
            return false;
        }

        if (!string.IsNullOrEmpty(url.Query) || !string.IsNullOrEmpty(url.Fragment))
        {
            error = "must not contain a query or fragment";
            return false;
        }

        endpoint = new AllowedEndpoint(url.Scheme, url.IdnHost, anyPort ? null : url.Port, url.AbsolutePath);
        error = null;
        return true;
    }

    /// <summary>Whether <paramref name="url"/> (already parsed, without user info) lies under this prefix.</summary>
    public bool Covers(Uri url)
    {
        if (!string.Equals(url.Scheme, Scheme, StringComparison.OrdinalIgnoreCase)
            || !string.Equals(url.IdnHost, Host, StringComparison.OrdinalIgnoreCase)
            || (Port is { } port && url.Port != port))
        {
            return false;
        }

        var path = url.AbsolutePath;
        if (PathPrefix is "/" or "")
        {
            return true;
        }

        // Segment-wise: /api admits /api and /api/x, never /apix.
        return PathPrefix.EndsWith('/')
            ? path.StartsWith(PathPrefix, StringComparison.Ordinal)
            : path == PathPrefix || path.StartsWith(PathPrefix + "/", StringComparison.Ordinal);
    }

    public override string ToString() => $"{Scheme}://{Host}:{(Port is { } p ? p.ToString(System.Globalization.CultureInfo.InvariantCulture) : "*")}{PathPrefix}";

    private static int AuthorityEnd(string text)
    {
        var start = text.IndexOf("://", StringComparison.Ordinal);
        start = start < 0 ? 0 : start + 3;
        var end = text.IndexOfAny(['/', '?', '#'], start);
        return end < 0 ? text.Length : end;
    }

    // "http://host:" or "http://host:/path": the authority ends with a colon that is not inside an IPv6 literal.
    private static bool HasEmptyPort(string text)
    {
        var end = AuthorityEnd(text);
        return end > 0 && text[end - 1] == ':' && text.IndexOf('@', 0, end) < 0;
    }
}
