using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Testing;

namespace Triggers.Core.Tests.Sources;

public sealed class ManifestsSourceTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-manifests-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Survives_A_Broken_File_And_Picks_Up_Its_Fix_Without_Restart()
    {
        await File.WriteAllTextAsync(Path.Combine(_folder, "good.yaml"), Function("good"));
        await File.WriteAllTextAsync(Path.Combine(_folder, "broken.yaml"), "apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata:\n  name: [oops\n");

        var cache = new ResourceCache([ResourceKind.Function, ResourceKind.NatsTrigger]);
        var diagnostics = new ManifestDiagnostics();
        var source = new ManifestsSource(Options.Create(new TriggersOptions { Source = SourceKind.Manifests, ManifestsPath = _folder }), diagnostics, NullLogger<ManifestsSource>.Instance)
        {
            PollInterval = TimeSpan.FromMilliseconds(200),
        };
        using var cts = new CancellationTokenSource();
        var run = source.RunAsync(cache, cts.Token);

        await Eventually.WaitUntilAsync(() => cache.IsSynced, "the first load finished");
        Assert.Equal(["good"], cache.Snapshot().All<Function>(ResourceKind.Function).Select(f => f.Name));
        var problem = Assert.Single(diagnostics.Problems);
        Assert.Equal("broken.yaml", problem.File);
        Assert.Equal(1, problem.DocumentIndex);

        await File.WriteAllTextAsync(Path.Combine(_folder, "broken.yaml"), Function("fixed"));
        await Eventually.WaitUntilAsync(
            () => cache.Snapshot().All<Function>(ResourceKind.Function).Select(f => f.Name).Order().SequenceEqual(["fixed", "good"]),
            "the fixed file was picked up");
        Assert.Empty(diagnostics.Problems);

        File.Delete(Path.Combine(_folder, "good.yaml"));
        await Eventually.WaitUntilAsync(
            () => cache.Snapshot().All<Function>(ResourceKind.Function).Select(f => f.Name).SequenceEqual(["fixed"]),
            "the deleted file's function was removed");

        await cts.CancelAsync();
        await run;
    }

    [Fact]
    public void Resource_Version_Of_A_Manifest_Follows_Its_Content()
    {
        static string Version(string text) => ManifestLoader.LoadText(text, "f.yaml", "default").Resources.Single().Resource.Metadata.ResourceVersion;

        Assert.Equal(Version(Function("f")), Version(Function("f")));
        Assert.NotEqual(Version(Function("f")), Version(Function("f") + "  annotations:\n    a: b\n"));
    }

    [Fact]
    public void Cache_Ignores_An_Upsert_With_The_Same_Resource_Version()
    {
        var cache = new ResourceCache([ResourceKind.Function]);
        var first = ManifestLoader.LoadText(Function("f"), "f.yaml", "default").Resources.Single().Resource;
        var again = ManifestLoader.LoadText(Function("f"), "f.yaml", "default").Resources.Single().Resource;
        cache.Upsert(ResourceKind.Function, first);
        var version = cache.Version;
        cache.Upsert(ResourceKind.Function, again);
        Assert.Equal(version, cache.Version);
        cache.Delete(ResourceKind.Function, new ResourceKey("default", "f"));
        Assert.Equal(0, cache.Snapshot().Count(ResourceKind.Function));
    }

    private static string Function(string name) => $"apiVersion: kubeless.io/v1beta1\nkind: Function\nmetadata:\n  name: {name}\n  labels:\n    function: {name}\n";
}
