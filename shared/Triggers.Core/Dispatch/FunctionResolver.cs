using k8s.Models;
using Microsoft.Extensions.Options;
using Triggers.Core.Policy;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Dispatch;

/// <summary>
/// Finds a trigger's functions (only ever in the trigger's own namespace) and their addresses:
/// the <c>triggers/endpoint</c> annotation, else the Service named like the Function (its first
/// port, falling back to the Function's <c>spec.service.ports[0].port</c>, then 8080). An annotation
/// the <see cref="EndpointPolicy"/> refuses is reported in <see cref="ResolvedFunctions.Refused"/>.
/// </summary>
public sealed class FunctionResolver(IOptions<TriggersOptions> options)
{
    public const int DefaultPort = 8080;

    private readonly EndpointPolicy _policy = new(options.Value);

    /// <summary>Every Function in <paramref name="namespace"/> whose labels the selector matches, in name order.</summary>
    public ResolvedFunctions Resolve(ResourceSnapshot snapshot, string @namespace, LabelSelector selector)
    {
        if (selector.MatchesNothing)
        {
            return new([], []);
        }

        var endpoints = new List<FunctionEndpoint>();
        var problems = new List<string>();
        var refused = new List<string>();
        // Through the snapshot's label index: the same functions in the same order as matching
        // every function of the namespace, without the triggers x functions cost.
        foreach (var function in snapshot.FunctionsMatching(@namespace, selector))
        {
            Add(snapshot, function, endpoints, problems, refused);
        }

        return new(endpoints, problems) { Refused = refused };
    }

    /// <summary>The Function named <paramref name="name"/> in <paramref name="namespace"/>, if it exists.</summary>
    public ResolvedFunctions ResolveByName(ResourceSnapshot snapshot, string @namespace, string name)
    {
        var endpoints = new List<FunctionEndpoint>(1);
        var problems = new List<string>();
        var refused = new List<string>();
        if (snapshot.Get<Function>(ResourceKind.Function, new ResourceKey(@namespace, name)) is { } function)
        {
            Add(snapshot, function, endpoints, problems, refused);
        }

        return new(endpoints, problems) { Refused = refused };
    }

    /// <summary>The address of one function, or an error naming the annotation that is wrong.</summary>
    public bool TryGetEndpoint(ResourceSnapshot snapshot, Function function, out FunctionEndpoint endpoint, out string? error)
    {
        error = null;
        if (function.Metadata.Annotations?.TryGetValue(Function.EndpointAnnotation, out var overrideUrl) == true)
        {
            if (Uri.TryCreate(overrideUrl, UriKind.Absolute, out var url) && (url.Scheme == Uri.UriSchemeHttp || url.Scheme == Uri.UriSchemeHttps))
            {
                endpoint = new FunctionEndpoint(function.Namespace, function.Name, url);
                return true;
            }

            endpoint = null!;
            error = $"Function {function.Namespace}/{function.Name}: annotation {Function.EndpointAnnotation} \"{overrideUrl}\" is not an absolute http(s) URL";
            return false;
        }

        var port = ServicePort(snapshot, function) ?? function.Spec.Service?.Ports?.FirstOrDefault()?.Port ?? DefaultPort;
        var builder = new UriBuilder(Uri.UriSchemeHttp, $"{function.Name}.{function.Namespace}.svc.{options.Value.ClusterDomain}", port, "/");
        endpoint = new FunctionEndpoint(function.Namespace, function.Name, builder.Uri);
        return true;
    }

    private static int? ServicePort(ResourceSnapshot snapshot, Function function) =>
        snapshot.Get<V1Service>(ResourceKind.Service, new ResourceKey(function.Namespace, function.Name))?.Spec?.Ports?.FirstOrDefault()?.Port;

    private void Add(ResourceSnapshot snapshot, Function function, List<FunctionEndpoint> endpoints, List<string> problems, List<string> refused)
    {
        if (TryGetEndpoint(snapshot, function, out var endpoint, out var error))
        {
            // Only the annotation can point elsewhere; the Service address is always the function's own.
            if (function.Metadata.Annotations?.ContainsKey(Function.EndpointAnnotation) == true && _policy.Check(function, endpoint.Url) is { } why)
            {
                refused.Add($"Function {function.Namespace}/{function.Name}: annotation {Function.EndpointAnnotation} refused: {why}");
                return;
            }

            endpoints.Add(endpoint);
        }
        else
        {
            problems.Add(error!);
        }
    }
}
