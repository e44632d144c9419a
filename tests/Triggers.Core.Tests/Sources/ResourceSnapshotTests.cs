using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Sources;

public sealed class ResourceSnapshotTests
{
    private static Function Fn(string ns, string name, Dictionary<string, string>? labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels, ResourceVersion = Guid.NewGuid().ToString("N") },
        Spec = new FunctionSpec(),
    };

    private static IEnumerable<Function> Matching(ResourceSnapshot snapshot, string ns, LabelSelector selector) =>
        snapshot.FunctionsIn(ns).Where(f => selector.Matches(f.Metadata.Labels));

    [Fact]
    public void FunctionsMatching_Equals_Filtering_FunctionsIn_Per_Namespace()
    {
        var random = new Random(11);
        string[] namespaces = ["a", "b", "c"];
        string[] apps = ["x", "y", "z"];
        var functions = Enumerable.Range(0, 300).Select(i => Fn(
            namespaces[random.Next(namespaces.Length)],
            $"fn-{random.Next(1000):D4}-{i}",
            random.Next(5) == 0 ? null : new Dictionary<string, string> { ["app"] = apps[random.Next(apps.Length)], ["function"] = $"fn-{i % 50}" })).ToList();
        var cache = new ResourceCache([ResourceKind.Function]);
        cache.Replace(ResourceKind.Function, functions);
        var snapshot = cache.Snapshot();

        LabelSelector[] selectors =
        [
            LabelSelector.Nothing,
            LabelSelector.Everything,
            LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "x" } }),
            LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "fn-7" } }),
            LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "fn-7", ["app"] = "y" } }),
            LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "app", OperatorProperty = "In", Values = ["z", "x"] }] }),
            LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "app", OperatorProperty = "NotIn", Values = ["z"] }] }),
            LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "app", OperatorProperty = "DoesNotExist" }] }),
            LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "function", OperatorProperty = "Exists" }] }),
        ];
        foreach (var ns in namespaces.Append("none"))
        {
            foreach (var selector in selectors)
            {
                Assert.Equal(Matching(snapshot, ns, selector), snapshot.FunctionsMatching(ns, selector));
            }
        }
    }

    [Fact]
    public void A_Later_Snapshot_Sees_Changed_Labels()
    {
        var cache = new ResourceCache([ResourceKind.Function]);
        cache.Replace(ResourceKind.Function, [Fn("ns", "f", new() { ["app"] = "x" })]);
        var x = LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "x" } });
        var before = cache.Snapshot();
        Assert.Single(before.FunctionsMatching("ns", x));

        cache.Upsert(ResourceKind.Function, Fn("ns", "f", new() { ["app"] = "y" }));
        Assert.Empty(cache.Snapshot().FunctionsMatching("ns", x));
        Assert.Single(before.FunctionsMatching("ns", x));
    }
}
