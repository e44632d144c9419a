using k8s;
using k8s.Models;
using Triggers.Testing;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>The fake API server lists and watches the way the real server does: resourceVersions, label selectors, ordered events and bookmarks.</summary>
public sealed class FakeApiServerListWatchTests : FakeApiServerTestBase
{
    [Fact]
    public async Task List_Has_A_ResourceVersion_And_Honours_Label_Selectors()
    {
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", Labels = new Dictionary<string, string> { ["tier"] = "x" } } }, "ns");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b", Labels = new Dictionary<string, string> { ["tier"] = "y" } } }, "ns");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "other");

        var all = await Client.CoreV1.ListConfigMapForAllNamespacesAsync();
        var selected = await Client.CoreV1.ListNamespacedConfigMapAsync("ns", labelSelector: "tier in (x,z)");
        var missing = await Client.CoreV1.ListNamespacedConfigMapAsync("ns", labelSelector: "!tier");

        Assert.Equal(3, all.Items.Count);
        Assert.Equal(Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), all.Metadata.ResourceVersion);
        Assert.Equal(["a"], selected.Items.Select(i => i.Metadata.Name));
        Assert.Empty(missing.Items);
    }


    [Fact]
    public async Task Watch_Streams_Events_In_Order_With_Bookmarks()
    {
        var start = Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string?)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in Client.CoreV1.WatchListNamespacedConfigMapAsync("ns", allowWatchBookmarks: true, resourceVersion: start, cancellationToken: stop.Token))
            {
                lock (seen)
                {
                    seen.Add((type, item.Metadata?.Name));
                }

                if (type == WatchEventType.Bookmark)
                {
                    return;
                }
            }
        });

        await Client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "ns");
        await Client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "a", "ns");
        await Client.CoreV1.DeleteNamespacedConfigMapAsync("a", "ns");
        await Eventually.WaitUntilAsync(() => { lock (seen) { return seen.Count == 3; } }, "three events arrive");
        Server.SendBookmarks();
        await watching.WaitAsync(stop.Token);

        Assert.Equal([(WatchEventType.Added, "a"), (WatchEventType.Modified, "a"), (WatchEventType.Deleted, "a"), (WatchEventType.Bookmark, null)], seen);
    }

    /// <summary>
    /// As the real watch cache does (cacheWatcher.convertToWatchEvent): an object that stops
    /// matching a label-selector watch arrives as DELETED, one that starts matching as ADDED.
    /// </summary>
    [Fact]
    public async Task Label_Selector_Watch_Sends_Deleted_When_An_Object_Stops_Matching_And_Added_When_It_Starts()
    {
        var start = Server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string?, string?)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in Client.CoreV1.WatchListNamespacedConfigMapAsync("ns", allowWatchBookmarks: true, labelSelector: "tier=gold", resourceVersion: start, cancellationToken: stop.Token))
            {
                lock (seen)
                {
                    seen.Add((type, item.Metadata?.Name, item.Metadata?.Labels?.TryGetValue("tier", out var tier) == true ? tier : null));
                }

                if (type == WatchEventType.Bookmark)
                {
                    return;
                }
            }
        });

        static V1ConfigMap Map(string name, string tier) => new() { Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["tier"] = tier } } };
        static V1Patch Tier(string tier) => new("{\"metadata\":{\"labels\":{\"tier\":\"" + tier + "\"}}}", V1Patch.PatchType.MergePatch);
        await Client.CoreV1.CreateNamespacedConfigMapAsync(Map("a", "gold"), "ns");
        await Client.CoreV1.CreateNamespacedConfigMapAsync(Map("b", "silver"), "ns");
        await Client.CoreV1.PatchNamespacedConfigMapAsync(Tier("silver"), "a", "ns");
        await Client.CoreV1.PatchNamespacedConfigMapAsync(Tier("gold"), "b", "ns");
        await Client.CoreV1.PatchNamespacedConfigMapAsync(Tier("bronze"), "a", "ns");
        await Eventually.WaitUntilAsync(() => { lock (seen) { return seen.Count == 3; } }, "three events arrive");
        Server.SendBookmarks();
        await watching.WaitAsync(stop.Token);

        // The DELETED event carries the object as it is now (no longer matching).
        Assert.Equal([(WatchEventType.Added, "a", "gold"), (WatchEventType.Deleted, "a", "silver"), (WatchEventType.Added, "b", "gold"), (WatchEventType.Bookmark, null, null)], seen);
        var listed = await Client.CoreV1.ListNamespacedConfigMapAsync("ns", labelSelector: "tier!=gold");
        Assert.Equal(["a"], listed.Items.Select(i => i.Metadata.Name).ToArray());
    }
}
