using Triggers.Core.Resources;
using Triggers.Testing;
using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>The Function CRD in deploy/ and the C# model agree (docs/architecture.md, house rule 10).</summary>
public sealed class FunctionCrdTests
{
    [Fact]
    public void Function_Crd_Matches_The_Model_And_Preserves_Unknown_Fields()
    {
        var crd = Load("deploy/crds/function.yaml");
        var spec = Map(crd, "spec");
        var names = Map(spec, "names");
        var version = (YamlMappingNode)((YamlSequenceNode)spec["versions"]).Children.Single();
        var schema = Map(Map(version, "schema"), "openAPIV3Schema");

        Assert.Equal($"{Function.Plural}.{ResourceKind.Function.Group}", Scalar(Map(crd, "metadata"), "name"));
        Assert.Equal(ResourceKind.Function.Group, Scalar(spec, "group"));
        Assert.Equal("Namespaced", Scalar(spec, "scope"));
        Assert.Equal(Function.KindName, Scalar(names, "kind"));
        Assert.Equal(Function.Plural, Scalar(names, "plural"));
        Assert.Equal(ResourceKind.Function.Version, Scalar(version, "name"));
        Assert.Equal("true", Scalar(version, "served"));
        Assert.Equal("true", Scalar(version, "storage"));
        Assert.Equal("true", Scalar(schema, "x-kubernetes-preserve-unknown-fields"));
        Assert.Equal("true", Scalar(Map(Map(schema, "properties"), "spec"), "x-kubernetes-preserve-unknown-fields"));
        Assert.False(version.Children.ContainsKey("subresources"));
    }

    private static YamlMappingNode Load(string relative) => RepositoryFiles.LoadYamlDocument(relative);

    private static YamlMappingNode Map(YamlMappingNode node, string key) => (YamlMappingNode)node[key];

    private static string? Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value;
}
