using System.Reflection;
using System.Text.Json.Serialization;
using Triggers.Core.Resources;
using YamlDotNet.RepresentationModel;

namespace Triggers.Cron.Tests;

/// <summary>The CRD YAML and the C# model say the same thing; the deployment is what the issue asks for.</summary>
public sealed class DeployManifestTests
{
    private static readonly string Root = FindRoot();

    [Fact]
    public void Crd_Spec_Schema_Lists_Exactly_The_Fields_Of_The_Model()
    {
        var spec = SchemaOf("spec");

        Assert.Equal(JsonNames(typeof(CronJobTriggerSpec)), PropertyNames(spec));
        Assert.Equal(JsonNames(typeof(DeliverySpec)), PropertyNames(Child(spec, "properties", "delivery")));
        Assert.Equal(JsonNames(typeof(BackoffSpec)), PropertyNames(Child(spec, "properties", "delivery", "properties", "backoff")));
        Assert.Equal(JsonNames(typeof(k8s.Models.V1LabelSelector)), PropertyNames(Child(spec, "properties", "functionSelector")));
    }

    [Fact]
    public void Crd_Status_Schema_Lists_Exactly_The_Fields_Of_The_Model()
    {
        Assert.Equal(JsonNames(typeof(TriggerStatus)), PropertyNames(SchemaOf("status")));
    }

    [Fact]
    public void Crd_Matches_The_Kubeless_Coordinates_And_Accepts_Every_Kubeless_Manifest()
    {
        var crd = Load("deploy/crds/cronjobtrigger.yaml");
        var crdSpec = Child(crd, "spec");

        Assert.Equal(KubelessResource<CronJobTriggerSpec>.Group, Scalar(crdSpec, "group"));
        Assert.Equal(CronJobTrigger.KindName, Scalar(Child(crdSpec, "names"), "kind"));
        Assert.Equal(CronJobTrigger.Plural, Scalar(Child(crdSpec, "names"), "plural"));
        Assert.Equal("Namespaced", Scalar(crdSpec, "scope"));
        var version = (YamlMappingNode)((YamlSequenceNode)crdSpec["versions"]).Children.Single();
        Assert.Equal(KubelessResource<CronJobTriggerSpec>.Version, Scalar(version, "name"));
        Assert.True(Child(version, "subresources").Children.ContainsKey("status"));

        var spec = SchemaOf("spec");
        Assert.Equal("true", Scalar(spec, "x-kubernetes-preserve-unknown-fields"));
        Assert.False(spec.Children.ContainsKey("required"));
        Assert.Equal("true", Scalar(Child(spec, "properties", "payload"), "x-kubernetes-preserve-unknown-fields"));
    }

    [Fact]
    public void Crd_Printer_Columns_Show_Schedule_Last_Next_And_Ready()
    {
        var version = (YamlMappingNode)((YamlSequenceNode)Child(Load("deploy/crds/cronjobtrigger.yaml"), "spec")["versions"]).Children.Single();
        var columns = ((YamlSequenceNode)version["additionalPrinterColumns"]).Children.Cast<YamlMappingNode>()
            .ToDictionary(c => Scalar(c, "name"), c => Scalar(c, "jsonPath"));

        Assert.Equal(".spec.schedule", columns["Schedule"]);
        Assert.Equal(".status.lastScheduleTime", columns["Last"]);
        Assert.Equal(".status.nextScheduleTime", columns["Next"]);
        Assert.Equal(".status.conditions[?(@.type==\"Ready\")].status", columns["Ready"]);
    }

    [Fact]
    public void Deployment_Runs_Two_Replicas_With_Rbac_For_Leases_And_Status()
    {
        var deployment = LoadAll("deploy/cron/deployment.yaml").Single(d => Scalar(d, "kind") == "Deployment");
        Assert.Equal("2", Scalar(Child(deployment, "spec"), "replicas"));

        var rbac = LoadAll("deploy/cron/rbac.yaml");
        var rules = rbac.Where(d => Scalar(d, "kind") is "Role" or "ClusterRole")
            .SelectMany(d => ((YamlSequenceNode)d["rules"]).Children.Cast<YamlMappingNode>())
            .SelectMany(r => ((YamlSequenceNode)r["resources"]).Children.Select(res => (Resource: res.ToString(), Verbs: ((YamlSequenceNode)r["verbs"]).Children.Select(v => v.ToString()).ToList())))
            .ToList();
        Assert.Contains(rules, r => r.Resource == "leases" && r.Verbs.Contains("update") && r.Verbs.Contains("create"));
        Assert.Contains(rules, r => r.Resource == "cronjobtriggers/status" && r.Verbs.Contains("patch"));
        Assert.Contains(rules, r => r.Resource == "cronjobtriggers" && r.Verbs.Contains("watch"));
        Assert.Contains(rules, r => r.Resource == "functions" && r.Verbs.Contains("watch"));
    }

    private static YamlMappingNode SchemaOf(string field) =>
        Child((YamlMappingNode)((YamlSequenceNode)Child(Load("deploy/crds/cronjobtrigger.yaml"), "spec")["versions"]).Children.Single(),
            "schema", "openAPIV3Schema", "properties", field);

    private static SortedSet<string> PropertyNames(YamlMappingNode schema) =>
        new(Child(schema, "properties").Children.Keys.Select(k => k.ToString()), StringComparer.Ordinal);

    private static SortedSet<string> JsonNames(Type type) =>
        new(type.GetProperties(BindingFlags.Public | BindingFlags.Instance)
            .Where(p => p.GetCustomAttribute<JsonExtensionDataAttribute>() is null && p.GetCustomAttribute<JsonIgnoreAttribute>() is null)
            .Select(p => p.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name ?? char.ToLowerInvariant(p.Name[0]) + p.Name[1..]), StringComparer.Ordinal);

    private static YamlMappingNode Child(YamlMappingNode node, params string[] path)
    {
        foreach (var key in path)
        {
            node = (YamlMappingNode)node[key];
        }

        return node;
    }

    private static string Scalar(YamlMappingNode node, string key) => node.Children.TryGetValue(key, out var value) ? value.ToString() : "";

    private static YamlMappingNode Load(string path) => LoadAll(path).Single();

    private static List<YamlMappingNode> LoadAll(string path)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(Path.Combine(Root, path));
        stream.Load(reader);
        return [.. stream.Documents.Select(d => (YamlMappingNode)d.RootNode)];
    }

    private static string FindRoot() => Triggers.Testing.RepositoryFiles.Root;
}
