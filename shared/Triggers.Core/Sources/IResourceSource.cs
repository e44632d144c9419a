namespace Triggers.Core.Sources;

/// <summary>Feeds a <see cref="IResourceSink"/> until cancelled: a Kubernetes watch or a manifests folder.</summary>
public interface IResourceSource
{
    Task RunAsync(IResourceSink sink, CancellationToken cancellationToken);
}
