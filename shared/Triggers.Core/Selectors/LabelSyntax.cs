using System.Text.RegularExpressions;

namespace Triggers.Core.Selectors;

/// <summary>Kubernetes syntax rules for label keys and values (qualified names, DNS-1123 prefixes).</summary>
public static partial class LabelSyntax
{
    /// <summary>Returns why a label key is invalid, or null when it is valid.</summary>
    public static string? ValidateKey(string key)
    {
        if (string.IsNullOrEmpty(key))
        {
            return "must not be empty";
        }

        var name = key;
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        if (slash >= 0)
        {
            var prefix = key[..slash];
            name = key[(slash + 1)..];
            if (prefix.Length == 0 || prefix.Length > 253 || !DnsSubdomain().IsMatch(prefix))
            {
                return "prefix must be a DNS subdomain (lower case alphanumerics, '-' and '.', at most 253 characters)";
            }
        }

        if (name.Length == 0 || name.Length > 63 || !QualifiedName().IsMatch(name))
        {
            return "name part must be 63 characters or less, begin and end with an alphanumeric, and contain only alphanumerics, '-', '_' or '.'";
        }

        return null;
    }

    /// <summary>Returns why a label value is invalid, or null when it is valid (empty is valid).</summary>
    public static string? ValidateValue(string value)
    {
        if (value.Length == 0)
        {
            return null;
        }

        return value.Length > 63 || !QualifiedName().IsMatch(value)
            ? "must be 63 characters or less, begin and end with an alphanumeric, and contain only alphanumerics, '-', '_' or '.'"
            : null;
    }

    [GeneratedRegex("^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$")]
    private static partial Regex QualifiedName();

    [GeneratedRegex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")]
    private static partial Regex DnsSubdomain();
}
