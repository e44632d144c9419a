
namespace Triggers.Core;

/// <summary>Where the worker reads resources from (<c>Triggers:Source</c>).</summary>
public enum SourceKind
{
    Kubernetes,
    Manifests,
}
