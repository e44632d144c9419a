using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Tests.Deploy;

/// <summary>The deploy/ folder as `kubectl apply -k deploy/` reads it: every referenced file exists and parses.</summary>
public sealed class DeployManifestsTests
{
    private static string DeployFolder() => Triggers.Testing.RepositoryFiles.PathOf("deploy");

    private static IEnumerable<string> Resources(string kustomization)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(File.ReadAllText(kustomization)));
        var root = (YamlMappingNode)stream.Documents[0].RootNode;
        return ((YamlSequenceNode)root["resources"]).Children.Select(c => ((YamlScalarNode)c).Value!);
    }

    private static List<string> Expand(string folder)
    {
        var files = new List<string>();
        foreach (var resource in Resources(Path.Combine(folder, "kustomization.yaml")))
        {
            var path = Path.Combine(folder, resource);
            if (Directory.Exists(path))
            {
                Assert.True(File.Exists(Path.Combine(path, "kustomization.yaml")), $"{path} has a kustomization.yaml");
                files.AddRange(Expand(path));
            }
            else
            {
                Assert.True(File.Exists(path), $"{resource} referenced from {folder}/kustomization.yaml exists");
                files.Add(path);
            }
        }

        return files;
    }

    [Fact]
    public void Kustomization_Installs_Crds_Rbac_And_The_Three_Workers()
    {
        var files = Expand(DeployFolder());
        var kinds = new List<(string Kind, string Name)>();
        foreach (var file in files)
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(File.ReadAllText(file)));
            foreach (var doc in stream.Documents.Where(d => d.RootNode is YamlMappingNode))
            {
                var map = (YamlMappingNode)doc.RootNode;
                kinds.Add((((YamlScalarNode)map["kind"]).Value!, ((YamlScalarNode)((YamlMappingNode)map["metadata"])["name"]).Value!));
            }
        }

        Assert.Contains(("CustomResourceDefinition", "functions.kubeless.io"), kinds);
        Assert.Contains(("CustomResourceDefinition", "natstriggers.kubeless.io"), kinds);
        Assert.Contains(("CustomResourceDefinition", "kafkatriggers.kubeless.io"), kinds);
        Assert.Contains(("CustomResourceDefinition", "cronjobtriggers.kubeless.io"), kinds);
        Assert.Contains(("Namespace", "triggers"), kinds);
        Assert.Equal(3, kinds.Count(k => k.Kind == "Deployment"));
        Assert.Contains(kinds, k => k.Kind == "ClusterRole");
        Assert.Contains(kinds, k => k.Kind == "ServiceAccount");
    }
}
