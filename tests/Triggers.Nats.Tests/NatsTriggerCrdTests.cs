using System.Reflection;
using System.Text.Json.Serialization;
using Triggers.Core.Resources;
using Triggers.Testing;
using YamlDotNet.RepresentationModel;

namespace Triggers.Nats.Tests;

/// <summary>deploy/crds/natstrigger.yaml and the C# model agree field for field (docs/architecture.md, house rule 10).</summary>
public sealed class NatsTriggerCrdTests
{
    private static readonly YamlMappingNode Crd = Load("deploy/crds/natstrigger.yaml");

    [Fact]
    public void Crd_Names_The_Kubeless_Kind_With_Status_Subresource_And_Printer_Columns()
    {
        var spec = Map(Crd, "spec");
        var names = Map(spec, "names");
        var version = Version();
        Assert.Equal($"{NatsTrigger.Plural}.{ResourceKind.NatsTrigger.Group}", Scalar(Map(Crd, "metadata"), "name"));
        Assert.Equal(ResourceKind.NatsTrigger.Group, Scalar(spec, "group"));
        Assert.Equal("Namespaced", Scalar(spec, "scope"));
        Assert.Equal(NatsTrigger.KindName, Scalar(names, "kind"));
        Assert.Equal(NatsTrigger.Plural, Scalar(names, "plural"));
        Assert.Equal(ResourceKind.NatsTrigger.Version, Scalar(version, "name"));
        Assert.True(Map(version, "subresources").Children.ContainsKey("status"));

        var columns = ((YamlSequenceNode)version["additionalPrinterColumns"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(c => Scalar(c, "name")!, c => Scalar(c, "jsonPath"));
        Assert.Equal(".spec.topic", columns["Topic"]);
        Assert.Equal(".status.conditions[?(@.type==\"Ready\")].status", columns["Ready"]);
    }

    [Fact]
    public void Crd_Spec_Fields_Are_Exactly_The_Model_Fields()
    {
        var spec = Properties(Map(Schema(), "properties"), "spec");
        Assert.Equal(JsonNames(typeof(NatsTriggerSpec)), Keys(spec));
        Assert.Equal(JsonNames(typeof(DeliverySpec)), Keys(Properties(spec, "delivery")));
        Assert.Equal(JsonNames(typeof(BackoffSpec)), Keys(Properties(Properties(spec, "delivery"), "backoff")));
        Assert.Equal(JsonNames(typeof(JetStreamSpec)), Keys(Properties(spec, "jetStream")));
        Assert.Equal(["matchExpressions", "matchLabels"], Keys(Properties(spec, "functionSelector")));
    }

    [Fact]
    public void Crd_Status_Fields_Exist_In_The_Model_And_Unknown_Fields_Are_Preserved()
    {
        var schema = Schema();
        var status = Properties(Map(schema, "properties"), "status");
        Assert.Subset(JsonNames(typeof(TriggerStatus)).ToHashSet(), Keys(status).ToHashSet());
        Assert.Equal("true", Scalar(schema, "x-kubernetes-preserve-unknown-fields"));
        Assert.Equal("true", Scalar(Map(Map(schema, "properties"), "spec"), "x-kubernetes-preserve-unknown-fields"));
    }

    [Fact]
    public void Crd_Deliver_Policies_Are_The_Ones_The_Planner_Accepts()
    {
        var jetStream = Properties(Properties(Map(Schema(), "properties"), "spec"), "jetStream");
        var allowed = ((YamlSequenceNode)Map(jetStream, "deliverPolicy")["enum"]).Children.Select(n => ((YamlScalarNode)n).Value!).ToArray();
        Assert.Equal(
            Enum.GetNames<JetStreamDeliverPolicy>().Select(n => char.ToLowerInvariant(n[0]) + n[1..]).Order(StringComparer.Ordinal),
            allowed.Order(StringComparer.Ordinal));
    }

    private static YamlMappingNode Version() => (YamlMappingNode)((YamlSequenceNode)Map(Crd, "spec")["versions"]).Children.Single();

    private static YamlMappingNode Schema() => Map(Map(Version(), "schema"), "openAPIV3Schema");

    private static YamlMappingNode Properties(YamlMappingNode parent, string name) => Map(Map(parent, name), "properties");

    private static string[] Keys(YamlMappingNode properties) =>
        [.. properties.Children.Keys.Select(k => ((YamlScalarNode)k).Value!).Order(StringComparer.Ordinal)];

    private static string[] JsonNames(Type type) =>
        [.. type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name)
            .OfType<string>()
            .Order(StringComparer.Ordinal)];

    private static YamlMappingNode Load(string relative) => RepositoryFiles.LoadYamlDocument(relative);

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value;
}
