using YamlDotNet.RepresentationModel;

namespace Triggers.Testing;

/// <summary>Files of this repository (CRDs, deploy manifests, built programs), found from a test's output folder.</summary>
public static class RepositoryFiles
{
    /// <summary>The folder that holds <c>Triggers.sln</c>.</summary>
    public static string Root { get; } = FindRoot();

    /// <summary>The build configuration the tests run under (Debug or Release), to find sibling programs.</summary>
    public static string Configuration => AppContext.BaseDirectory.Contains("/bin/Release/", StringComparison.Ordinal) ? "Release" : "Debug";

    public static string PathOf(string relative) => Path.Combine(Root, relative);

    /// <summary>The single YAML document of a repository file, as a mapping.</summary>
    public static YamlMappingNode LoadYamlDocument(string relative)
    {
        var stream = new YamlStream();
        using var reader = new StreamReader(PathOf(relative));
        stream.Load(reader);
        return (YamlMappingNode)stream.Documents.Single().RootNode;
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Triggers.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Triggers.sln not found above " + AppContext.BaseDirectory);
    }
}
