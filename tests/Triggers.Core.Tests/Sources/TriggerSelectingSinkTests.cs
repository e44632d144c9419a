using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Core.Tests.Sources;

/// <summary>Worker pools in either source: only the selected triggers reach the cache; Functions always do.</summary>
public sealed class TriggerSelectingSinkTests
{
    private static NatsTrigger Trigger(string name, string? tier) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Labels = tier is null ? null : new Dictionary<string, string> { ["tier"] = tier } },
        Spec = new NatsTriggerSpec { Topic = name },
    };

    private static Function Function(string name, string tier) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", Labels = new Dictionary<string, string> { ["tier"] = tier } },
    };

    private static (ResourceCache Cache, TriggerSelectingSink Sink) Pool(string selector)
    {
        Assert.True(LabelSelectorText.TryParse(selector, out var compiled, out _));
        var cache = new ResourceCache([ResourceKind.Function, ResourceKind.NatsTrigger]);
        return (cache, new TriggerSelectingSink(cache, compiled));
    }

    private static string[] Triggers(ResourceCache cache) =>
        [.. cache.Snapshot().All<NatsTrigger>(ResourceKind.NatsTrigger).Select(t => t.Name).Order(StringComparer.Ordinal)];

    [Fact]
    public void Complementary_Selectors_Split_The_Triggers_And_Both_See_Every_Function()
    {
        var (gold, goldSink) = Pool("tier=gold");
        var (rest, restSink) = Pool("tier!=gold");
        foreach (var sink in new[] { goldSink, restSink })
        {
            sink.Replace(ResourceKind.NatsTrigger, [Trigger("a", "gold"), Trigger("b", "silver"), Trigger("c", null)]);
            sink.Replace(ResourceKind.Function, [Function("f", "bronze")]);
        }

        Assert.Equal(["a"], Triggers(gold));
        Assert.Equal(["b", "c"], Triggers(rest));
        Assert.Single(gold.Snapshot().All<Function>(ResourceKind.Function));
        Assert.Single(rest.Snapshot().All<Function>(ResourceKind.Function));
    }

    [Fact]
    public void A_Trigger_Relabelled_Out_Of_The_Pool_Leaves_It()
    {
        var (gold, sink) = Pool("tier=gold");
        sink.Replace(ResourceKind.NatsTrigger, [Trigger("a", "gold")]);

        sink.Upsert(ResourceKind.NatsTrigger, Trigger("a", "silver"));

        Assert.Empty(Triggers(gold));
        sink.Upsert(ResourceKind.NatsTrigger, Trigger("a", "gold"));
        Assert.Equal(["a"], Triggers(gold));
    }
}
