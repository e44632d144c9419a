namespace Triggers.Testing.FakeKubernetes;

/// <summary>One request the fake API server received, with its Kubernetes verb (list, watch, get, create, update, patch, delete).</summary>
public sealed record FakeRequest(string Verb, string Method, string Path, string Query, string? Resource, string? Namespace, string? Name, string? Subresource)
{
    /// <summary>The <c>resourceVersion</c> query parameter, if any.</summary>
    public string? ResourceVersion { get; init; }
}
