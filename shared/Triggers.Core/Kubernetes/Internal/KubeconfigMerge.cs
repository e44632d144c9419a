using k8s.KubeConfigModels;

namespace Triggers.Core.Kubernetes.Internal;

/// <summary>
/// Merges kubeconfig files as kubectl merges the <c>KUBECONFIG</c> list: the first file to set a
/// value or a named cluster, user or context wins, and <c>current-context</c> comes from the first
/// file that has one. (KubernetesClient does the same but keeps it internal.)
/// </summary>
internal static class KubeconfigMerge
{
    public static K8SConfiguration Merge(IReadOnlyList<K8SConfiguration> files)
    {
        ArgumentOutOfRangeException.ThrowIfZero(files.Count);
        var merged = new K8SConfiguration
        {
            ApiVersion = files.Select(f => f.ApiVersion).FirstOrDefault(v => !string.IsNullOrEmpty(v)),
            Kind = files.Select(f => f.Kind).FirstOrDefault(v => !string.IsNullOrEmpty(v)),
            CurrentContext = files.Select(f => f.CurrentContext).FirstOrDefault(v => !string.IsNullOrEmpty(v)),
            FileName = files[0].FileName,
            Clusters = FirstByName(files.Select(f => f.Clusters), c => c.Name),
            Users = FirstByName(files.Select(f => f.Users), u => u.Name),
            Contexts = FirstByName(files.Select(f => f.Contexts), c => c.Name),
            Extensions = FirstByName(files.Select(f => f.Extensions), e => e.Name),
        };
        var preferences = new Dictionary<string, object>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            foreach (var (key, value) in file.Preferences ?? new Dictionary<string, object>())
            {
                preferences.TryAdd(key, value);
            }
        }

        merged.Preferences = preferences;
        return merged;
    }

    private static List<T> FirstByName<T>(IEnumerable<IEnumerable<T>?> lists, Func<T, string> name)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var result = new List<T>();
        foreach (var item in lists.SelectMany(l => l ?? []))
        {
            if (seen.Add(name(item) ?? ""))
            {
                result.Add(item);
            }
        }

        return result;
    }
}
