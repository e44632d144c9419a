using Triggers.Core.Resources;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

public sealed class KubernetesResourceSourceTests
{
    private static readonly FakeResourceType Functions = FakeResourceType.Functions;

    [Fact]
    public async Task Lists_Then_Watches_Adds_Updates_And_Deletes()
    {
        await using var h = await SourceHarness.StartAsync(seed: s =>
        {
            s.Apply(Functions, SourceHarness.FunctionJson("a", "seeded"));
            return Task.CompletedTask;
        });
        Assert.Equal(["a/seeded"], h.CachedNames(ResourceKind.Function));

        await h.CreateFunctionAsync("a", "f1");
        await h.CreateFunctionAsync("b", "f2");
        await h.DeleteFunctionAsync("a", "seeded");

        await Wait.UntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache equals the server");
        Assert.Equal(["a/f1", "b/f2"], h.CachedNames(ResourceKind.Function));
        Assert.Equal(1, h.Server.CountRequests("list", "functions"));
    }

    [Fact]
    public async Task Resumes_From_Last_ResourceVersion_When_The_Watch_Drops()
    {
        await using var h = await SourceHarness.StartAsync();
        await h.CreateFunctionAsync("ns", "before");
        await Wait.UntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache has the first function");
        await Wait.UntilAsync(() => h.Server.OpenWatches == 3, "all three kinds are watched");

        Assert.Equal(3, h.Server.DropWatches());
        await h.CreateFunctionAsync("ns", "during");
        await h.DeleteFunctionAsync("ns", "before");
        await h.CreateFunctionAsync("ns", "after");

        await Wait.UntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache equals the server after the drop");
        Assert.Equal(["ns/after", "ns/during"], h.CachedNames(ResourceKind.Function));
        // Resumed by watching from a resourceVersion, not by listing again.
        Assert.Equal(1, h.Server.CountRequests("list", "functions"));
        Assert.True(h.Server.CountRequests("watch", "functions") >= 2);
    }
}
