using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Tests.Deploy;

/// <summary>
/// Each worker's ClusterRole grants exactly what its code calls: list and watch of Functions,
/// Services and its trigger kind; get and patch of its trigger kind (removing the Kubeless
/// finalizer of a deleted trigger, re-reading it on a conflict); patch of its status. Nothing else.
/// </summary>
public sealed class WorkerRbacTests
{
    [Theory]
    [InlineData("nats", "natstriggers")]
    [InlineData("kafka", "kafkatriggers")]
    [InlineData("cron", "cronjobtriggers")]
    public void Cluster_Role_Grants_Exactly_What_The_Worker_Calls(string worker, string plural)
    {
        var granted = ClusterRoleRules(worker);

        var expected = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["/services"] = "list,watch",
            ["kubeless.io/functions"] = "list,watch",
            [$"kubeless.io/{plural}"] = "get,list,patch,watch",
            [$"kubeless.io/{plural}/status"] = "patch",
        };
        Assert.Equal(expected, granted);
    }

    private static SortedDictionary<string, string> ClusterRoleRules(string worker)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(Triggers.Testing.RepositoryFiles.PathOf($"deploy/{worker}/rbac.yaml"))));
        var role = stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>().Single(d => ((YamlScalarNode)d["kind"]).Value == "ClusterRole");
        var verbs = new Dictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        foreach (var rule in ((YamlSequenceNode)role["rules"]).Children.Cast<YamlMappingNode>())
        {
            foreach (var group in Values(rule, "apiGroups"))
            {
                foreach (var resource in Values(rule, "resources"))
                {
                    var key = group + "/" + resource;
                    if (!verbs.TryGetValue(key, out var set))
                    {
                        verbs[key] = set = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    set.UnionWith(Values(rule, "verbs"));
                }
            }
        }

        return new(verbs.ToDictionary(v => v.Key, v => string.Join(',', v.Value)), StringComparer.Ordinal);
    }

    private static IEnumerable<string> Values(YamlMappingNode rule, string key) =>
        ((YamlSequenceNode)rule[key]).Children.Select(c => ((YamlScalarNode)c).Value ?? "");
}
