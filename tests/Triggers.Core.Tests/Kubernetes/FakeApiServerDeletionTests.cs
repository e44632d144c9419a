using System.Net;
using System.Text.Json;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>The fake API server deletes the way the real server does: finalizers keep a deleted object, and a terminating object never gains one.</summary>
public sealed class FakeApiServerDeletionTests : FakeApiServerTestBase
{
    [Fact]
    public async Task A_Finalizer_Keeps_A_Deleted_Object_Until_It_Is_Removed()
    {
        var trigger = NewTrigger("ns", "kubeless-made", "t");
        trigger.Metadata.Finalizers = ["kubeless.io/natstrigger"];
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(trigger, "kubeless.io", "v1beta1", "ns", "natstriggers");

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "ns", "natstriggers", "kubeless-made");
        Assert.NotNull(Server.Get(FakeResourceType.NatsTriggers, "ns", "kubeless-made")!["metadata"]!["deletionTimestamp"]);

        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "kubeless.io", "v1beta1", "ns", "natstriggers", "kubeless-made");
        Assert.Null(Server.Get(FakeResourceType.NatsTriggers, "ns", "kubeless-made"));
    }

    [Fact]
    public async Task A_Terminating_Object_May_Lose_Finalizers_But_Never_Gain_One()
    {
        var trigger = NewTrigger("ns", "two-owners", "t");
        trigger.Metadata.Finalizers = ["kubeless.io/natstrigger", "example.com/keep"];
        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(trigger, "kubeless.io", "v1beta1", "ns", "natstriggers");
        var watched = new List<(WatchEventType Type, string? DeletionTimestamp)>();
        using var watching = new CancellationTokenSource();
        var rv = Server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners")!["metadata"]!["resourceVersion"]!.GetValue<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, raw) in Client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                "kubeless.io", "v1beta1", "ns", "natstriggers", resourceVersion: rv, cancellationToken: watching.Token))
            {
                var item = raw is JsonElement element ? element : JsonSerializer.SerializeToElement(raw);
                lock (watched)
                {
                    watched.Add((type, item.GetProperty("metadata").TryGetProperty("deletionTimestamp", out var ts) ? ts.GetString() : null));
                }
            }
        });

        await Client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners");
        var marked = Server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners")!;
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Equal("0", marked["metadata"]!["deletionGracePeriodSeconds"]!.ToJsonString());

        var added = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/late"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, added.Response.StatusCode);
        Assert.Contains("no new finalizers can be added if the object is being deleted", added.Response.Content, StringComparison.Ordinal);

        // A test op that no longer holds (the list changed meanwhile) is refused; the right one removes just that finalizer.
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/metadata/finalizers/0","value":"example.com/keep"},{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, stale.Response.StatusCode);
        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/metadata/finalizers/0","value":"kubeless.io/natstrigger"},{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners");
        Assert.Equal("""["example.com/keep"]""", Server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners")!["metadata"]!["finalizers"]!.ToJsonString());

        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch), "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners");
        Assert.Null(Server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners"));

        await Eventually.WaitUntilAsync(
            () =>
            {
                lock (watched)
                {
                    return watched.Any(w => w.Type == WatchEventType.Deleted);
                }
            },
            "the watch sees the object go");
        await watching.CancelAsync();
        await watch.ContinueWith(_ => { }, TaskScheduler.Default);
        lock (watched)
        {
            // Marked (MODIFIED with a deletionTimestamp), one finalizer gone (MODIFIED), then DELETED.
            Assert.Equal([WatchEventType.Modified, WatchEventType.Modified, WatchEventType.Deleted], watched.Select(w => w.Type));
            Assert.All(watched, w => Assert.NotNull(w.DeletionTimestamp));
        }
    }
}
