namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>A parsed API path: /api/v1/... or /apis/group/version/..., optionally namespaced, item and subresource.</summary>
internal sealed record ApiRoute(string Group, string Version, string? Namespace, string? Plural, string? Name, string? Subresource)
{
    public static ApiRoute? Parse(string path)
    {
        var segments = path.Trim('/').Split('/', StringSplitOptions.RemoveEmptyEntries);
        string group;
        string version;
        int rest;
        if (segments.Length >= 3 && segments[0] == "api")
        {
            (group, version, rest) = ("", segments[1], 2);
        }
        else if (segments.Length >= 4 && segments[0] == "apis")
        {
            (group, version, rest) = (segments[1], segments[2], 3);
        }
        else
        {
            return null;
        }

        var tail = segments[rest..];
        return tail switch
        {
            [var plural] when plural != "namespaces" => new(group, version, null, plural, null, null),
            ["namespaces", var ns] when group.Length == 0 => new(group, version, ns, null, null, null),
            ["namespaces", var ns, var plural] => new(group, version, ns, plural, null, null),
            ["namespaces", var ns, var plural, var name] => new(group, version, ns, plural, name, null),
            ["namespaces", var ns, var plural, var name, var sub] => new(group, version, ns, plural, name, sub),
            _ => null,
        };
    }
}
