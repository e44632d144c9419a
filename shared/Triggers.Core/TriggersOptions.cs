
namespace Triggers.Core;

/// <summary>Settings of the <c>Triggers</c> configuration section, shared by every worker.</summary>
public sealed class TriggersOptions
{
    public const string Section = "Triggers";

    /// <summary><c>Kubernetes</c> (default) or <c>Manifests</c>.</summary>
    public SourceKind Source { get; set; } = SourceKind.Kubernetes;

    /// <summary>Watch only this namespace; empty watches all namespaces.</summary>
    public string? Namespace { get; set; }

    /// <summary>Folder of <c>*.yaml</c>/<c>*.yml</c> manifests (Manifests source).</summary>
    public string? ManifestsPath { get; set; }

    /// <summary>Namespace given to manifests that name none.</summary>
    public string DefaultNamespace { get; set; } = "default";

    /// <summary>Kubernetes cluster DNS domain used to build function URLs.</summary>
    public string ClusterDomain { get; set; } = "cluster.local";

    /// <summary>
    /// Path of a kubeconfig file. When empty the worker finds its cluster as kubectl does: the in-cluster
    /// service account when running in a pod, else the files of the <c>KUBECONFIG</c> variable (merged),
    /// else <c>~/.kube/config</c>.
    /// </summary>
    public string? Kubeconfig { get; set; }

    /// <summary>Small state file for manifests mode (cron last-fire times).</summary>
    public string? StatePath { get; set; }

    /// <summary>Write trigger status back to the API server (Kubernetes source only).</summary>
    public bool WriteStatus { get; set; } = true;

    /// <summary>
    /// URL prefixes a Function's <c>triggers/endpoint</c> annotation may point under besides the
    /// Function's own namespace's Services (Kubernetes source only). Compared on the parsed URL:
    /// scheme, host, port (<c>http://127.0.0.1:</c> admits any port), path prefix.
    /// </summary>
    public string[] AllowedEndpoints { get; set; } = [];

    /// <summary>
    /// A Kubernetes label selector (<c>tier=gold</c>, <c>tier!=gold</c>, <c>tier in (a,b)</c>) on
    /// triggers: this worker runs only the triggers it selects. Functions are never filtered.
    /// Empty runs every trigger.
    /// </summary>
    public string? TriggerSelector { get; set; }

    public DeliveryOptions Delivery { get; set; } = new();

    public MetricsOptions Metrics { get; set; } = new();
}
