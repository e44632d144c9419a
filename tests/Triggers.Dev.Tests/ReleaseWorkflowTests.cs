using Triggers.Testing;
using YamlDotNet.RepresentationModel;

namespace Triggers.Dev.Tests;

/// <summary>
/// What can be checked here of .github/workflows/release.yaml (it runs only on GitHub): it parses,
/// every Dockerfile it builds exists and copies paths that exist, its images are the ones
/// deploy/kustomization.yaml installs, and it builds amd64 and arm64 with SBOM and provenance.
/// </summary>
public sealed class ReleaseWorkflowTests
{
    private static YamlMappingNode Workflow() => RepositoryFiles.LoadYamlDocument(".github/workflows/release.yaml");

    [Fact]
    public void Workflow_Builds_Every_Image_Deploy_Installs_From_Dockerfiles_That_Exist()
    {
        var job = (YamlMappingNode)((YamlMappingNode)Workflow()["jobs"])["images"];
        var matrix = ((YamlSequenceNode)((YamlMappingNode)((YamlMappingNode)job["strategy"])["matrix"])["include"]).Cast<YamlMappingNode>()
            .ToDictionary(m => Scalar(m, "image"), m => Scalar(m, "dockerfile"));

        var deployed = ((YamlSequenceNode)RepositoryFiles.LoadYamlDocument("deploy/kustomization.yaml")["images"]).Cast<YamlMappingNode>()
            .ToDictionary(i => Scalar(i, "name"), i => Scalar(i, "newName"));
        Assert.Equal(deployed.Keys.Order(StringComparer.Ordinal), matrix.Keys.Order(StringComparer.Ordinal));
        Assert.All(deployed, d => Assert.EndsWith("/" + d.Key, d.Value, StringComparison.Ordinal));

        foreach (var (image, dockerfile) in matrix)
        {
            Assert.True(File.Exists(RepositoryFiles.PathOf(dockerfile)), $"{image}: {dockerfile} exists");
            foreach (var line in File.ReadLines(RepositoryFiles.PathOf(dockerfile)).Where(l => l.StartsWith("COPY ", StringComparison.Ordinal) && !l.Contains("--from", StringComparison.Ordinal)))
            {
                var parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                foreach (var source in parts[1..^1])
                {
                    Assert.True(File.Exists(RepositoryFiles.PathOf(source)) || Directory.Exists(RepositoryFiles.PathOf(source)), $"{dockerfile}: COPY source {source} exists");
                }
            }
        }

        var build = ((YamlSequenceNode)job["steps"]).Cast<YamlMappingNode>().Single(s => s.Children.TryGetValue("uses", out var u) && ((YamlScalarNode)u).Value!.StartsWith("docker/build-push-action@", StringComparison.Ordinal));
        var with = (YamlMappingNode)build["with"];
        Assert.Equal("linux/amd64,linux/arm64", Scalar(with, "platforms"));
        Assert.Equal("true", Scalar(with, "sbom"));
        Assert.StartsWith("mode=max", Scalar(with, "provenance"), StringComparison.Ordinal);
        Assert.Equal("${{ matrix.dockerfile }}", Scalar(with, "file"));
    }

    [Fact]
    public void Workflow_Pushes_On_A_Version_Tag()
    {
        var on = (YamlMappingNode)Workflow()["on"];
        var tags = (YamlSequenceNode)((YamlMappingNode)on["push"])["tags"];
        Assert.Contains("v*.*.*", tags.Select(t => ((YamlScalarNode)t).Value));
    }

    [Fact]
    public void Every_Image_Has_Tzdata_One_Globalization_Setting_And_Json_Logs()
    {
        var settings = new List<string>();
        foreach (var dockerfile in Directory.GetFiles(RepositoryFiles.PathOf("deploy/docker"), "*.Dockerfile"))
        {
            var text = File.ReadAllText(dockerfile);
            var runtimeBase = text.Split('\n').Last(l => l.StartsWith("FROM ", StringComparison.Ordinal));
            // Chiseled images carry tzdata only in their -extra flavour; the full Debian image has it.
            Assert.True(!runtimeBase.Contains("chiseled", StringComparison.Ordinal) || runtimeBase.Contains("chiseled-extra", StringComparison.Ordinal), $"{dockerfile}: {runtimeBase}");
            Assert.Contains("Logging__Console__FormatterName=json", text, StringComparison.Ordinal);
            settings.Add(text.Split('\n').Select(l => l.Trim()).Single(l => l.StartsWith("DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=", StringComparison.Ordinal)));
        }

        Assert.Equal(3, settings.Count);
        Assert.Single(settings.Distinct());
    }

    private static string Scalar(YamlMappingNode node, string key) => ((YamlScalarNode)node[key]).Value!;
}
