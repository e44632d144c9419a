using Triggers.Testing;
using YamlDotNet.RepresentationModel;

namespace Triggers.Core.Tests.Deploy;

/// <summary>deploy/ and deploy/crds as `kubectl apply -k` reads them: the workers apart from the CRDs, images that exist, containers that run.</summary>
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
    public void Kustomization_Installs_Rbac_And_The_Three_Workers_And_No_Crds()
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

        Assert.DoesNotContain(kinds, k => k.Kind == "CustomResourceDefinition");
        Assert.Contains(("Namespace", "triggers"), kinds);
        Assert.Equal(3, kinds.Count(k => k.Kind == "Deployment"));
        Assert.Contains(kinds, k => k.Kind == "ClusterRole");
        Assert.Contains(kinds, k => k.Kind == "ServiceAccount");
    }

    [Fact]
    public void Rendered_Deploy_Has_No_Crd_And_Rendered_Crds_Have_All_Four()
    {
        var workers = Kustomize.Render("deploy");
        Assert.DoesNotContain(workers, d => Kustomize.Kind(d) == "CustomResourceDefinition");
        Assert.Equal(3, workers.Count(d => Kustomize.Kind(d) == "Deployment"));

        var crds = Kustomize.Render("deploy/crds");
        Assert.All(crds, d => Assert.Equal("CustomResourceDefinition", Kustomize.Kind(d)));
        Assert.Equal(
            ["cronjobtriggers.kubeless.io", "functions.kubeless.io", "kafkatriggers.kubeless.io", "natstriggers.kubeless.io"],
            crds.Select(Kustomize.Name).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Every_Rendered_Image_Is_Qualified_And_Versioned_With_One_Tag()
    {
        var images = Containers(Kustomize.Render("deploy")).Select(c => ((YamlScalarNode)c.Container["image"]).Value!).ToList();

        Assert.Equal(3, images.Count);
        foreach (var image in images)
        {
            var slash = image.IndexOf('/', StringComparison.Ordinal);
            Assert.True(slash > 0 && image[..slash].Contains('.', StringComparison.Ordinal), $"{image}: names a registry host");
            var colon = image.LastIndexOf(':');
            Assert.True(colon > image.LastIndexOf('/'), $"{image}: has a tag");
            Assert.NotEqual("latest", image[(colon + 1)..]);
        }

        Assert.Single(images.Select(i => i[(i.LastIndexOf(':') + 1)..]).Distinct());
    }

    [Fact]
    public void Every_Worker_Has_A_Writable_Tmp_Under_A_Read_Only_Root_And_Its_Own_Service_Name()
    {
        foreach (var (deployment, container, pod) in Containers(Kustomize.Render("deploy")))
        {
            var security = (YamlMappingNode)container["securityContext"];
            Assert.Equal("true", ((YamlScalarNode)security["readOnlyRootFilesystem"]).Value);
            var tmp = ((YamlSequenceNode)container["volumeMounts"]).Cast<YamlMappingNode>()
                .Single(m => ((YamlScalarNode)m["mountPath"]).Value == "/tmp");
            var volume = ((YamlSequenceNode)pod["volumes"]).Cast<YamlMappingNode>()
                .Single(v => ((YamlScalarNode)v["name"]).Value == ((YamlScalarNode)tmp["name"]).Value);
            Assert.True(volume.Children.ContainsKey("emptyDir"), $"{deployment}: /tmp is an emptyDir");

            var env = ((YamlSequenceNode)container["env"]).Cast<YamlMappingNode>()
                .ToDictionary(e => ((YamlScalarNode)e["name"]).Value!, e => e.Children.TryGetValue("value", out var v) ? ((YamlScalarNode)v).Value : null);
            Assert.Equal(deployment, env["OTEL_SERVICE_NAME"]);
        }
    }

    private static IEnumerable<(string Deployment, YamlMappingNode Container, YamlMappingNode Pod)> Containers(IEnumerable<YamlMappingNode> documents)
    {
        foreach (var deployment in documents.Where(d => Kustomize.Kind(d) == "Deployment"))
        {
            var pod = (YamlMappingNode)((YamlMappingNode)((YamlMappingNode)deployment["spec"])["template"])["spec"];
            foreach (var container in ((YamlSequenceNode)pod["containers"]).Cast<YamlMappingNode>())
            {
                yield return (Kustomize.Name(deployment), container, pod);
            }
        }
    }
}
