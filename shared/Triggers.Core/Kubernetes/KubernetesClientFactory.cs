using k8s;

namespace Triggers.Core.Kubernetes;

/// <summary>
/// Builds the client configuration: the kubeconfig file named by <c>Triggers:Kubeconfig</c>, else the
/// in-cluster service account, else the default kubeconfig (<c>KUBECONFIG</c> or <c>~/.kube/config</c>).
/// </summary>
public static class KubernetesClientFactory
{
    public static KubernetesClientConfiguration BuildConfiguration(TriggersOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (!string.IsNullOrWhiteSpace(options.Kubeconfig))
        {
            return KubernetesClientConfiguration.BuildConfigFromConfigFile(options.Kubeconfig);
        }

        if (KubernetesClientConfiguration.IsInCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        return KubernetesClientConfiguration.BuildConfigFromConfigFile();
    }

    public static IKubernetes Create(TriggersOptions options) => new k8s.Kubernetes(BuildConfiguration(options));
}
