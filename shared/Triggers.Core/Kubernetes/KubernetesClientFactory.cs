using k8s;
using k8s.Exceptions;
using Triggers.Core.Kubernetes.Internal;

namespace Triggers.Core.Kubernetes;

/// <summary>
/// Builds the client configuration the way kubectl finds a cluster: the file named by
/// <c>Triggers:Kubeconfig</c>; else the in-cluster service account when running in a pod; else the
/// files of the <c>KUBECONFIG</c> variable (a list separated by <c>:</c>, <c>;</c> on Windows, merged
/// as kubectl merges them: the first file to set a value wins, missing files are skipped); else
/// <c>~/.kube/config</c>. When none of them works the error lists everything that was tried.
/// </summary>
public static class KubernetesClientFactory
{
    public const string KubeconfigVariable = "KUBECONFIG";

    public static KubernetesClientConfiguration BuildConfiguration(TriggersOptions options) =>
        BuildConfiguration(options, Environment.GetEnvironmentVariable, KubernetesClientConfiguration.IsInCluster, DefaultKubeconfigPath());

    /// <summary>
    /// The same resolution with the environment, the in-cluster test and the default path given,
    /// so that it can be exercised without touching the process environment.
    /// </summary>
    public static KubernetesClientConfiguration BuildConfiguration(TriggersOptions options, Func<string, string?> environment, Func<bool> inCluster, string defaultPath)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(environment);
        ArgumentNullException.ThrowIfNull(inCluster);
        if (!string.IsNullOrWhiteSpace(options.Kubeconfig))
        {
            return FromFiles([options.Kubeconfig], $"Triggers:Kubeconfig '{options.Kubeconfig}'");
        }

        var tried = new List<string> { "Triggers:Kubeconfig (not set)" };
        if (inCluster())
        {
            return KubernetesClientConfiguration.InClusterConfig();
        }

        tried.Add("in-cluster service account (not running in a pod: KUBERNETES_SERVICE_HOST/KUBERNETES_SERVICE_PORT or the token file is missing)");
        var variable = environment(KubeconfigVariable);
        if (!string.IsNullOrWhiteSpace(variable))
        {
            var paths = variable.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            var existing = paths.Where(File.Exists).ToArray();
            if (existing.Length > 0)
            {
                return FromFiles(existing, $"{KubeconfigVariable} '{variable}'");
            }

            tried.Add($"{KubeconfigVariable}: none of its files exist ({string.Join(", ", paths.Select(p => "'" + p + "'"))})");
        }
        else
        {
            tried.Add($"{KubeconfigVariable} (not set)");
        }

        if (File.Exists(defaultPath))
        {
            return FromFiles([defaultPath], $"'{defaultPath}'");
        }

        tried.Add($"'{defaultPath}' (does not exist)");
        throw new KubeConfigException("No Kubernetes configuration found. Tried: " + string.Join("; ", tried) + ".");
    }

    public static IKubernetes Create(TriggersOptions options) => new k8s.Kubernetes(BuildConfiguration(options));

    private static string DefaultKubeconfigPath() =>
        Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".kube", "config");

    private static KubernetesClientConfiguration FromFiles(IReadOnlyList<string> paths, string origin)
    {
        try
        {
            // Relative paths in a file (certificates, tokens) are relative to that file, as for kubectl.
            var merged = KubeconfigMerge.Merge(paths.Select(p => KubernetesClientConfiguration.LoadKubeConfig(new FileInfo(p), useRelativePaths: true)).ToArray());
            return KubernetesClientConfiguration.BuildConfigFromConfigObject(merged);
        }
        catch (Exception e) when (e is KubeConfigException or IOException or UnauthorizedAccessException or InvalidOperationException or YamlDotNet.Core.YamlException)
        {
            throw new KubeConfigException($"The kubeconfig from {origin} cannot be used: {e.Message}", e);
        }
    }
}
