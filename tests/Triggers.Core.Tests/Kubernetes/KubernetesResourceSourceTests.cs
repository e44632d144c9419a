using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Testing;
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

        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache equals the server");
        Assert.Equal(["a/f1", "b/f2"], h.CachedNames(ResourceKind.Function));
        Assert.Equal(1, h.Server.CountRequests("list", "functions"));
    }

    [Fact]
    public async Task Resumes_From_Last_ResourceVersion_When_The_Watch_Drops()
    {
        await using var h = await SourceHarness.StartAsync();
        await h.CreateFunctionAsync("ns", "before");
        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache has the first function");
        await Eventually.WaitUntilAsync(() => h.Server.OpenWatches == 3, "all three kinds are watched");

        Assert.Equal(3, h.Server.DropWatches());
        await h.CreateFunctionAsync("ns", "during");
        await h.DeleteFunctionAsync("ns", "before");
        await h.CreateFunctionAsync("ns", "after");

        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache equals the server after the drop");
        Assert.Equal(["ns/after", "ns/during"], h.CachedNames(ResourceKind.Function));
        // Resumed by watching from a resourceVersion, not by listing again.
        Assert.Equal(1, h.Server.CountRequests("list", "functions"));
        Assert.True(h.Server.CountRequests("watch", "functions") >= 2);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Relists_On_410_Gone_And_Applies_Deletions_Missed_In_The_Gap(bool expiredAsHttpStatus)
    {
        await using var h = await SourceHarness.StartAsync();
        h.Server.ExpiredWatchAsHttpStatus = expiredAsHttpStatus;
        await h.CreateFunctionAsync("ns", "kept");
        await h.CreateFunctionAsync("ns", "deleted-in-gap");
        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache has both functions");

        // Down, changed behind the client's back, history compacted: the resume point is gone.
        await h.Server.StopAsync();
        Assert.True(h.Server.Remove(Functions, "ns", "deleted-in-gap"));
        h.Server.Apply(Functions, SourceHarness.FunctionJson("ns", "added-in-gap"));
        h.Server.Compact();
        await h.Server.StartAsync();

        await h.WaitUntilCacheMatchesServerAsync(Functions, ResourceKind.Function, "the cache equals the server after the relist");
        Assert.Equal(["ns/added-in-gap", "ns/kept"], h.CachedNames(ResourceKind.Function));
        Assert.Equal(2, h.Server.CountRequests("list", "functions"));

        // And the new watch works.
        await h.CreateFunctionAsync("ns", "after");
        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache sees a create after the relist");
    }

    [Fact]
    public async Task Relists_When_An_Open_Watch_Gets_A_410_Error_Event()
    {
        await using var h = await SourceHarness.StartAsync();
        await h.CreateFunctionAsync("ns", "one");
        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache has the function");
        await Eventually.WaitUntilAsync(() => h.Server.OpenWatches == 3, "all three kinds are watched");

        h.Server.Compact();
        Assert.Equal(3, h.Server.ExpireWatches());

        await Eventually.WaitUntilAsync(() => h.Server.CountRequests("list", "functions") == 2, "functions are listed again");
        await h.CreateFunctionAsync("ns", "two");
        await h.DeleteFunctionAsync("ns", "one");
        await h.WaitUntilCacheMatchesServerAsync(Functions, ResourceKind.Function, "the cache equals the server");
        Assert.Equal(["ns/two"], h.CachedNames(ResourceKind.Function));
    }

    [Fact]
    public async Task Recovers_From_An_Api_Server_Restart_Without_Losing_Or_Duplicating()
    {
        await using var h = await SourceHarness.StartAsync();
        await h.CreateFunctionAsync("ns", "a");
        await h.CreateFunctionAsync("ns", "b");
        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache has both functions");

        await h.Server.StopAsync();
        // While down, the source keeps failing to reconnect with backoff.
        var watchesWhileDown = h.Server.CountRequests("watch", "functions");
        await h.Server.StartAsync();

        await h.CreateFunctionAsync("ns", "c");
        await h.DeleteFunctionAsync("ns", "a");
        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(Functions, ResourceKind.Function), "the cache equals the server after the restart");
        Assert.Equal(["ns/b", "ns/c"], h.CachedNames(ResourceKind.Function));
        Assert.True(h.Server.CountRequests("watch", "functions") > watchesWhileDown);
        // History survived the restart, so the source resumed instead of relisting.
        Assert.Equal(1, h.Server.CountRequests("list", "functions"));
    }

    [Fact]
    public async Task Watches_Only_The_Configured_Namespace()
    {
        await using var h = await SourceHarness.StartAsync("team-a", s =>
        {
            s.Apply(Functions, SourceHarness.FunctionJson("team-a", "mine"));
            s.Apply(Functions, SourceHarness.FunctionJson("team-b", "theirs"));
            return Task.CompletedTask;
        });
        await h.CreateFunctionAsync("team-b", "theirs-too");
        await h.CreateFunctionAsync("team-a", "mine-too");

        await Eventually.WaitUntilAsync(() => h.CachedNames(ResourceKind.Function).Length == 2, "the cache has the two team-a functions");
        Assert.Equal(["team-a/mine", "team-a/mine-too"], h.CachedNames(ResourceKind.Function));
        Assert.All(h.Server.Requests.Where(r => r.Verb is "list" or "watch"), r => Assert.Equal("team-a", r.Namespace));
    }

    [Fact]
    public async Task Bookmarks_Advance_The_Resume_ResourceVersion()
    {
        await using var h = await SourceHarness.StartAsync("team-a");
        await Eventually.WaitUntilAsync(() => h.Server.OpenWatches == 3, "all three kinds are watched");
        var before = h.Source.ResourceVersionOf(ResourceKind.Function);

        // Changes elsewhere move the server's resourceVersion without any event for this watch.
        await h.CreateFunctionAsync("team-b", "elsewhere");
        var serverVersion = h.Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        Assert.NotEqual(serverVersion, before);

        Assert.Equal(3, h.Server.SendBookmarks());
        await Eventually.WaitUntilAsync(() => h.Source.ResourceVersionOf(ResourceKind.Function) == serverVersion, "the bookmark's resourceVersion is kept");

        h.Server.DropWatches();
        await Eventually.WaitUntilAsync(() => h.Server.Requests.Any(r => r.Verb == "watch" && r.Resource == "functions" && r.ResourceVersion == serverVersion), "the watch resumes from the bookmark");
        Assert.All(h.Server.Requests.Where(r => r.Verb == "watch"), r => Assert.Contains("allowWatchBookmarks=true", r.Query, StringComparison.Ordinal));
    }

    [Fact]
    public async Task Watches_Services_Through_The_Core_Api()
    {
        await using var h = await SourceHarness.StartAsync();
        await h.Client.CoreV1.CreateNamespacedServiceAsync(
            new V1Service { Metadata = new V1ObjectMeta { Name = "fn" }, Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 8080 }] } }, "ns");

        await Eventually.WaitUntilAsync(() => h.CacheMatchesServer(FakeResourceType.Services, ResourceKind.Service), "the cache has the service");
        var service = h.Cache.Snapshot().Get<V1Service>(ResourceKind.Service, new ResourceKey("ns", "fn"));
        Assert.Equal(8080, service?.Spec.Ports[0].Port);
        Assert.Equal("Service", service?.Kind);

        await h.Client.CoreV1.DeleteNamespacedServiceAsync("fn", "ns");
        await Eventually.WaitUntilAsync(() => h.CachedNames(ResourceKind.Service).Length == 0, "the service is gone from the cache");
    }

    [Fact]
    public async Task An_Unreadable_Resource_Is_Ignored_And_The_Rest_Still_Load()
    {
        await using var h = await SourceHarness.StartAsync(seed: s =>
        {
            var broken = SourceHarness.FunctionJson("ns", "broken");
            broken["spec"]!["timeout"] = new JsonArray(1, 2);
            s.Apply(Functions, broken);
            s.Apply(Functions, SourceHarness.FunctionJson("ns", "fine"));
            return Task.CompletedTask;
        });

        Assert.Equal(["ns/fine"], h.CachedNames(ResourceKind.Function));
        await h.CreateFunctionAsync("ns", "later");
        await Eventually.WaitUntilAsync(() => h.CachedNames(ResourceKind.Function).Length == 2, "a later function still arrives");
    }
}
