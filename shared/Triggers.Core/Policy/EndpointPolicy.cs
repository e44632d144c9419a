using Triggers.Core.Resources;

namespace Triggers.Core.Policy;

/// <summary>
/// Which <c>triggers/endpoint</c> URLs a Function may name. Kubernetes source: only a Service in the
/// Function's own namespace (<c>NAME.NS.svc</c> or <c>NAME.NS.svc.CLUSTER_DOMAIN</c>, any port or path)
/// or a URL under one of <c>Triggers:AllowedEndpoints</c>; a URL with user info never. Manifests
/// source: every URL (the operator writes those files).
/// </summary>
public sealed class EndpointPolicy
{
    private readonly bool _allowAll;
    private readonly string _clusterDomain;
    private readonly IReadOnlyList<AllowedEndpoint> _allowed;

    public EndpointPolicy(TriggersOptions options)
    {
        _allowAll = options.Source == SourceKind.Manifests;
        _clusterDomain = options.ClusterDomain.Trim().TrimEnd('.');
        var allowed = new List<AllowedEndpoint>();
        foreach (var text in options.AllowedEndpoints ?? [])
        {
            // Invalid entries are refused at start by TriggersOptionsValidator.
            if (AllowedEndpoint.TryParse(text, out var entry, out _))
            {
                allowed.Add(entry!);
            }
        }

        _allowed = allowed;
    }

    /// <summary>Reason used in the trigger's Ready condition when a Function's endpoint is refused.</summary>
    public const string ReasonNotAllowed = "EndpointNotAllowed";

    /// <summary>Null when <paramref name="url"/> may be called for <paramref name="function"/>, else why not.</summary>
    public string? Check(Function function, Uri url)
    {
        if (_allowAll)
        {
            return null;
        }

        if (!string.IsNullOrEmpty(url.UserInfo))
        {
            return "a URL with user info (user:password@) is not allowed";
        }

        if (IsOwnNamespaceService(function.Namespace, url.IdnHost) || _allowed.Any(a => a.Covers(url)))
        {
            return null;
        }

        return $"only a Service of namespace {function.Namespace} (NAME.{function.Namespace}.svc[.{_clusterDomain}]) or a prefix of Triggers:AllowedEndpoints may be called";
    }

    private bool IsOwnNamespaceService(string @namespace, string host)
    {
        host = host.TrimEnd('.');
        var suffix = host.EndsWith(".svc", StringComparison.OrdinalIgnoreCase)
            ? $".{@namespace}.svc"
            : $".{@namespace}.svc.{_clusterDomain}";
        if (!host.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        // Exactly one DNS label before the namespace: the Service name.
        var name = host[..^suffix.Length];
        return name.Length is > 0 and <= 63 && !name.Contains('.', StringComparison.Ordinal);
    }
}
