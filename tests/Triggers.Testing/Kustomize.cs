using System.Diagnostics;
using YamlDotNet.RepresentationModel;

namespace Triggers.Testing;

/// <summary>Renders a kustomization of this repository with <c>kubectl kustomize</c>, exactly as <c>kubectl apply -k</c> would read it.</summary>
public static class Kustomize
{
    /// <summary>The rendered documents of <paramref name="relativeFolder"/> (for example <c>deploy/crds</c>).</summary>
    public static IReadOnlyList<YamlMappingNode> Render(string relativeFolder)
    {
        var start = new ProcessStartInfo("kubectl") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add("kustomize");
        start.ArgumentList.Add(RepositoryFiles.PathOf(relativeFolder));
        using var process = Process.Start(start) ?? throw new InvalidOperationException("kubectl did not start");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromSeconds(60)))
        {
            process.Kill();
            throw new TimeoutException($"kubectl kustomize {relativeFolder} did not finish in 60 s");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"kubectl kustomize {relativeFolder} failed ({process.ExitCode}): {stderr.Result}");
        }

        var stream = new YamlStream();
        stream.Load(new StringReader(stdout.Result));
        return [.. stream.Documents.Select(d => d.RootNode).OfType<YamlMappingNode>()];
    }

    public static string Kind(YamlMappingNode document) => ((YamlScalarNode)document["kind"]).Value!;

    public static string Name(YamlMappingNode document) => ((YamlScalarNode)((YamlMappingNode)document["metadata"])["name"]).Value!;
}
