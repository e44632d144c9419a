using k8s.Models;
using Triggers.Core.Selectors;

namespace Triggers.Core.Tests.Selectors;

public sealed class LabelIndexTests
{
    private sealed record Item(string Name, IDictionary<string, string>? Labels);

    private static readonly string[] Keys = ["app", "tier", "function", "example.com/team", "empty"];
    private static readonly string[] Values = ["", "a", "b", "c", "fn-1", "fn-2"];
    private static readonly string[] Operators = ["In", "NotIn", "Exists", "DoesNotExist"];

    [Fact]
    public void Select_Equals_Matching_Every_Object_Over_Random_Selectors_And_Labels()
    {
        var random = new Random(7);
        for (var round = 0; round < 200; round++)
        {
            var items = Enumerable.Range(0, random.Next(0, 60)).Select(i => new Item($"item-{i}", RandomLabels(random))).ToList();
            var index = new LabelIndex<Item>(items, i => i.Labels);
            Assert.True(index.IsIndexed);
            for (var s = 0; s < 50; s++)
            {
                var selector = LabelSelector.Compile(RandomSelector(random));
                var expected = items.Where(i => selector.Matches(i.Labels)).ToList();
                Assert.Equal(expected, index.Select(selector));
            }
        }
    }

    [Fact]
    public void Missing_Selector_Selects_Nothing_And_Empty_Selects_Everything_Including_Unlabelled()
    {
        var items = new List<Item> { new("a", null), new("b", new Dictionary<string, string> { ["app"] = "x" }) };
        var index = new LabelIndex<Item>(items, i => i.Labels);
        Assert.Empty(index.Select(LabelSelector.Compile(null)));
        Assert.Equal(items, index.Select(LabelSelector.Compile(new V1LabelSelector())));
    }

    [Fact]
    public void Selectors_That_Do_Not_Narrow_Still_Select_Exactly()
    {
        var items = new List<Item>
        {
            new("a", null),
            new("b", new Dictionary<string, string> { ["app"] = "x" }),
            new("c", new Dictionary<string, string> { ["app"] = "y", ["tier"] = "t" }),
        };
        var index = new LabelIndex<Item>(items, i => i.Labels);
        var notIn = LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "app", OperatorProperty = "NotIn", Values = ["x"] }] });
        Assert.Equal(["a", "c"], index.Select(notIn).Select(i => i.Name));
        var doesNotExist = LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "tier", OperatorProperty = "DoesNotExist" }] });
        Assert.Equal(["a", "b"], index.Select(doesNotExist).Select(i => i.Name));
        var inTwo = LabelSelector.Compile(new V1LabelSelector { MatchExpressions = [new() { Key = "app", OperatorProperty = "In", Values = ["y", "x"] }] });
        Assert.Equal(["b", "c"], index.Select(inTwo).Select(i => i.Name));
    }

    [Fact]
    public void Labels_With_Another_Key_Comparison_Fall_Back_To_Matching_Every_Object()
    {
        var items = new List<Item>
        {
            new("a", new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase) { ["APP"] = "x" }),
            new("b", new Dictionary<string, string> { ["app"] = "x" }),
        };
        var index = new LabelIndex<Item>(items, i => i.Labels);
        Assert.False(index.IsIndexed);
        var selector = LabelSelector.Compile(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "x" } });
        Assert.Equal(["a", "b"], index.Select(selector).Select(i => i.Name));
    }

    [Fact]
    public void Deserialized_Function_Labels_Are_Indexed()
    {
        var result = Triggers.Core.Sources.ManifestLoader.LoadText("""
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: f
              labels: {app: x}
            """, "f.yaml", "default");
        var function = (Triggers.Core.Resources.Function)Assert.Single(result.Resources).Resource;
        var index = new LabelIndex<Triggers.Core.Resources.Function>([function], f => f.Metadata.Labels);
        Assert.True(index.IsIndexed);
    }

    private static Dictionary<string, string>? RandomLabels(Random random)
    {
        if (random.Next(8) == 0)
        {
            return null;
        }

        var labels = new Dictionary<string, string>();
        foreach (var key in Keys)
        {
            if (random.Next(2) == 0)
            {
                labels[key] = Values[random.Next(Values.Length)];
            }
        }

        return labels;
    }

    private static V1LabelSelector? RandomSelector(Random random)
    {
        if (random.Next(10) == 0)
        {
            return null;
        }

        var selector = new V1LabelSelector();
        if (random.Next(2) == 0)
        {
            selector.MatchLabels = Keys.Where(_ => random.Next(4) == 0).ToDictionary(k => k, _ => Values[random.Next(Values.Length)]);
        }

        if (random.Next(2) == 0)
        {
            selector.MatchExpressions = [.. Enumerable.Range(0, random.Next(0, 3)).Select(_ =>
            {
                var op = Operators[random.Next(Operators.Length)];
                return new V1LabelSelectorRequirement
                {
                    Key = Keys[random.Next(Keys.Length)],
                    OperatorProperty = op,
                    Values = op is "In" or "NotIn" ? [.. Values.Where(_ => random.Next(3) == 0).DefaultIfEmpty("a")] : null,
                };
            })];
        }

        return selector;
    }
}
