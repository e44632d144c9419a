using System.Reflection;
using System.Text.Json.Serialization;
using k8s.Models;
using Triggers.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Triggers.Kafka.Tests;

/// <summary>deploy/crds/kafkatrigger.yaml and the C# model describe the same resource (docs/architecture.md, house rule 10).</summary>
public sealed class CrdSchemaTests
{
    // Shared by every trigger's DeliverySpec; a KafkaTrigger rejects it with a clear condition instead.
    private static readonly HashSet<string> NotForKafka = ["spec.delivery.deadLetterSubject"];

    // TriggerStatus is shared with cron; these are cron-only and kept by preserve-unknown-fields.
    private static readonly HashSet<string> CronOnly = ["status.lastScheduleTime", "status.lastSuccessfulTime", "status.nextScheduleTime"];

    [Fact]
    public void Crd_Names_Match_The_Model()
    {
        var crd = Load();
        var spec = Map(crd, "spec");
        Assert.Equal($"{KafkaTrigger.Plural}.{KafkaTrigger.Group}", Scalar(Map(crd, "metadata"), "name"));
        Assert.Equal(KafkaTrigger.Group, Scalar(spec, "group"));
        Assert.Equal("Namespaced", Scalar(spec, "scope"));
        Assert.Equal(KafkaTrigger.KindName, Scalar(Map(spec, "names"), "kind"));
        Assert.Equal(KafkaTrigger.Plural, Scalar(Map(spec, "names"), "plural"));
        var version = Assert.Single(((YamlSequenceNode)spec.Children[new YamlScalarNode("versions")]).Cast<YamlMappingNode>());
        Assert.Equal(KafkaTrigger.Version, Scalar(version, "name"));
        Assert.True(Map(version, "subresources").Children.ContainsKey(new YamlScalarNode("status")));
        var columns = ((YamlSequenceNode)version.Children[new YamlScalarNode("additionalPrinterColumns")]).Cast<YamlMappingNode>().Select(c => Scalar(c, "name")).ToList();
        Assert.Equal(["Topic", "Functions", "Ordering", "Ready", "Reason", "Age"], columns);
    }

    [Fact]
    public void Every_Spec_Field_Of_The_Model_Is_In_The_Schema_And_Back()
    {
        var schema = Schema();
        var fromModel = Fields(typeof(KafkaTriggerSpec), "spec").Where(f => !NotForKafka.Contains(f)).Order().ToList();
        var fromSchema = SchemaFields(Map(Map(schema, "properties"), "spec"), "spec").Order().ToList();

        Assert.Equal(fromModel, fromSchema);
    }

    [Fact]
    public void Status_Schema_Covers_The_Model_Apart_From_Cron_Times()
    {
        var schema = Schema();
        var fromModel = Fields(typeof(TriggerStatus), "status").Where(f => !CronOnly.Contains(f)).Order().ToList();
        var fromSchema = SchemaFields(Map(Map(schema, "properties"), "status"), "status").Order().ToList();

        Assert.Equal(fromModel, fromSchema);
    }

    private static YamlMappingNode Schema()
    {
        var version = ((YamlSequenceNode)Map(Load(), "spec").Children[new YamlScalarNode("versions")]).Cast<YamlMappingNode>().Single();
        return Map(Map(version, "schema"), "openAPIV3Schema");
    }

    /// <summary>Dotted paths of every JSON property, descending into our own types, label selectors and conditions.</summary>
    private static IEnumerable<string> Fields(Type type, string prefix)
    {
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonExtensionDataAttribute>() is not null || property.GetCustomAttribute<JsonPropertyNameAttribute>() is not { } name)
            {
                continue;
            }

            var path = $"{prefix}.{name.Name}";
            yield return path;
            var child = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            if (child.IsGenericType && child.GetGenericTypeDefinition() == typeof(IList<>))
            {
                child = child.GetGenericArguments()[0];
                path += "[]";
            }

            if (child.Namespace == typeof(KafkaTrigger).Namespace || child == typeof(V1LabelSelector) || child == typeof(V1Condition) || child == typeof(V1LabelSelectorRequirement))
            {
                foreach (var nested in ModelFields(child, path))
                {
                    yield return nested;
                }
            }
        }
    }

    private static IEnumerable<string> ModelFields(Type type, string path) =>
        type.Namespace == typeof(KafkaTrigger).Namespace
            ? Fields(type, path)
            : type.GetProperties().Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name).OfType<string>().SelectMany(n =>
                n == "matchExpressions"
                    ? [$"{path}.{n}", .. ModelFields(typeof(V1LabelSelectorRequirement), $"{path}.{n}[]")]
                    : new[] { $"{path}.{n}" });

    private static IEnumerable<string> SchemaFields(YamlMappingNode node, string prefix)
    {
        if (node.Children.TryGetValue(new YamlScalarNode("items"), out var items))
        {
            node = (YamlMappingNode)items;
            prefix += "[]";
        }

        if (!node.Children.TryGetValue(new YamlScalarNode("properties"), out var properties))
        {
            yield break;
        }

        foreach (var (key, value) in ((YamlMappingNode)properties).Children)
        {
            var path = $"{prefix}.{((YamlScalarNode)key).Value}";
            yield return path;
            foreach (var nested in SchemaFields((YamlMappingNode)value, path))
            {
                yield return nested;
            }
        }
    }

    private static YamlMappingNode Load()
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(RepositoryRoot(), "deploy", "crds", "kafkatrigger.yaml"));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents[0].RootNode;
    }

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node.Children[new YamlScalarNode(key)];

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node.Children[new YamlScalarNode(key)]).Value;

    private static string RepositoryRoot() => Triggers.Testing.RepositoryFiles.Root;
}
