using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>The fake API server answers the real KubernetesClient the way the real server does.</summary>
public sealed class FakeKubernetesApiServerTests : IAsyncLifetime
{
    private FakeKubernetesApiServer _server = null!;
    private IKubernetes _client = null!;

    public async Task InitializeAsync()
    {
        _server = await FakeKubernetesApiServer.StartNewAsync();
        _client = _server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _client.Dispose();
        await _server.DisposeAsync();
    }

    [Fact]
    public async Task Lease_Create_Twice_Is_409_AlreadyExists()
    {
        await _client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("lock", "a"), "ns");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("lock", "b"), "ns"));

        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("AlreadyExists", Status(e)["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lease_Replace_With_A_Stale_ResourceVersion_Is_409_Conflict()
    {
        var created = await _client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("lock", "a"), "ns");
        created.Spec.HolderIdentity = "b";
        var replaced = await _client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "lock", "ns");
        Assert.NotEqual(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);

        created.Spec.HolderIdentity = "c";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "lock", "ns"));

        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("Conflict", Status(e)["reason"]!.GetValue<string>());
        Assert.Equal("b", (await _client.CoordinationV1.ReadNamespacedLeaseAsync("lock", "ns")).Spec.HolderIdentity);
    }

    [Fact]
    public async Task Get_Of_A_Missing_Object_Is_404_NotFound_Naming_It()
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CoordinationV1.ReadNamespacedLeaseAsync("nope", "ns"));

        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
        Assert.Equal("nope", Status(e)["details"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Spec_Changes_Bump_Generation_And_Status_Changes_Do_Not_Touch_Spec()
    {
        await CreateTriggerAsync("ns", "t", "topic.one");

        await _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1},"spec":{"topic":"ignored"}}""", V1Patch.PatchType.MergePatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        var afterStatus = _server.Get(FakeResourceType.NatsTriggers, "ns", "t")!;
        Assert.Equal("topic.one", (string?)afterStatus["spec"]!["topic"]);
        Assert.Equal("1", afterStatus["metadata"]!["generation"]!.ToJsonString());
        Assert.Equal("1", afterStatus["status"]!["observedGeneration"]!.ToJsonString());

        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"topic":"topic.two"},"status":{"observedGeneration":9}}""", V1Patch.PatchType.MergePatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        var afterSpec = _server.Get(FakeResourceType.NatsTriggers, "ns", "t")!;
        Assert.Equal("topic.two", (string?)afterSpec["spec"]!["topic"]);
        Assert.Equal("2", afterSpec["metadata"]!["generation"]!.ToJsonString());
        // The main endpoint ignores status when the status subresource exists.
        Assert.Equal("1", afterSpec["status"]!["observedGeneration"]!.ToJsonString());

        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.MergePatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        Assert.Equal("2", _server.Get(FakeResourceType.NatsTriggers, "ns", "t")!["metadata"]!["generation"]!.ToJsonString());
    }

    [Fact]
    public async Task Json_Patch_Applies_And_A_Failed_Test_Op_Is_Rejected()
    {
        await CreateTriggerAsync("ns", "t", "topic.one");

        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/spec/topic","value":"topic.one"},{"op":"replace","path":"/spec/topic","value":"topic.three"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        Assert.Equal("topic.three", (string?)_server.Get(FakeResourceType.NatsTriggers, "ns", "t")!["spec"]!["topic"]);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/spec/topic","value":"topic.one"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
    }

    [Fact]
    public async Task Status_Path_Is_404_When_The_Status_Subresource_Is_Disabled()
    {
        _server.DisableStatusSubresource(FakeResourceType.NatsTriggers);
        await CreateTriggerAsync("ns", "t", "topic.one");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1}}""", V1Patch.PatchType.MergePatch), "kubeless.io", "v1beta1", "ns", "natstriggers", "t"));

        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
    }

    [Fact]
    public async Task A_Finalizer_Keeps_A_Deleted_Object_Until_It_Is_Removed()
    {
        var trigger = NewTrigger("ns", "kubeless-made", "t");
        trigger.Metadata.Finalizers = ["kubeless.io/natstrigger"];
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(trigger, "kubeless.io", "v1beta1", "ns", "natstriggers");

        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "ns", "natstriggers", "kubeless-made");
        Assert.NotNull(_server.Get(FakeResourceType.NatsTriggers, "ns", "kubeless-made")!["metadata"]!["deletionTimestamp"]);

        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"finalizers":null}}""", V1Patch.PatchType.MergePatch), "kubeless.io", "v1beta1", "ns", "natstriggers", "kubeless-made");
        Assert.Null(_server.Get(FakeResourceType.NatsTriggers, "ns", "kubeless-made"));
    }

    [Fact]
    public async Task A_Terminating_Object_May_Lose_Finalizers_But_Never_Gain_One()
    {
        var trigger = NewTrigger("ns", "two-owners", "t");
        trigger.Metadata.Finalizers = ["kubeless.io/natstrigger", "example.com/keep"];
        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(trigger, "kubeless.io", "v1beta1", "ns", "natstriggers");
        var watched = new List<(WatchEventType Type, string? DeletionTimestamp)>();
        using var watching = new CancellationTokenSource();
        var rv = _server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners")!["metadata"]!["resourceVersion"]!.GetValue<string>();
        var watch = Task.Run(async () =>
        {
            await foreach (var (type, raw) in _client.CustomObjects.WatchListNamespacedCustomObjectAsync(
                "kubeless.io", "v1beta1", "ns", "natstriggers", resourceVersion: rv, cancellationToken: watching.Token))
            {
                var item = raw is JsonElement element ? element : JsonSerializer.SerializeToElement(raw);
                lock (watched)
                {
                    watched.Add((type, item.GetProperty("metadata").TryGetProperty("deletionTimestamp", out var ts) ? ts.GetString() : null));
                }
            }
        });

        await _client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners");
        var marked = _server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners")!;
        Assert.NotNull(marked["metadata"]!["deletionTimestamp"]);
        Assert.Equal("0", marked["metadata"]!["deletionGracePeriodSeconds"]!.ToJsonString());

        var added = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"add","path":"/metadata/finalizers/-","value":"example.com/late"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, added.Response.StatusCode);
        Assert.Contains("no new finalizers can be added if the object is being deleted", added.Response.Content, StringComparison.Ordinal);

        // A test op that no longer holds (the list changed meanwhile) is refused; the right one removes just that finalizer.
        var stale = await Assert.ThrowsAsync<HttpOperationException>(() => _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/metadata/finalizers/0","value":"example.com/keep"},{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, stale.Response.StatusCode);
        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/metadata/finalizers/0","value":"kubeless.io/natstrigger"},{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners");
        Assert.Equal("""["example.com/keep"]""", _server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners")!["metadata"]!["finalizers"]!.ToJsonString());

        await _client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch), "kubeless.io", "v1beta1", "ns", "natstriggers", "two-owners");
        Assert.Null(_server.Get(FakeResourceType.NatsTriggers, "ns", "two-owners"));

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

    [Fact]
    public async Task List_Has_A_ResourceVersion_And_Honours_Label_Selectors()
    {
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", Labels = new Dictionary<string, string> { ["tier"] = "x" } } }, "ns");
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "b", Labels = new Dictionary<string, string> { ["tier"] = "y" } } }, "ns");
        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "c" } }, "other");

        var all = await _client.CoreV1.ListConfigMapForAllNamespacesAsync();
        var selected = await _client.CoreV1.ListNamespacedConfigMapAsync("ns", labelSelector: "tier in (x,z)");
        var missing = await _client.CoreV1.ListNamespacedConfigMapAsync("ns", labelSelector: "!tier");

        Assert.Equal(3, all.Items.Count);
        Assert.Equal(_server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture), all.Metadata.ResourceVersion);
        Assert.Equal(["a"], selected.Items.Select(i => i.Metadata.Name));
        Assert.Empty(missing.Items);
    }

    [Fact]
    public async Task Kubeless_Models_Round_Trip_With_Unknown_Fields_Preserved()
    {
        var manifest = JsonNode.Parse("""
            {
              "apiVersion": "kubeless.io/v1beta1",
              "kind": "NATSTrigger",
              "metadata": { "name": "todo-audit", "namespace": "todo", "labels": { "created-by": "kubeless" } },
              "spec": {
                "topic": "events.todo.newitem",
                "functionSelector": { "matchLabels": { "function": "todo-audit" } },
                "someFutureField": { "nested": [1, 2, 3] },
                "delivery": { "maxAttempts": 3, "unknownDeliveryKnob": true }
              },
              "extraTopLevel": "kept"
            }
            """)!.AsObject();
        var model = (NatsTrigger)ResourceJson.Deserialize(ResourceKind.NatsTrigger, manifest);

        await _client.CustomObjects.CreateNamespacedCustomObjectAsync(model, "kubeless.io", "v1beta1", "todo", "natstriggers");
        var fetched = (JsonElement)await _client.CustomObjects.GetNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "todo", "natstriggers", "todo-audit");
        var back = KubernetesJson.Deserialize<NatsTrigger>(fetched.GetRawText());
        var json = JsonNode.Parse(KubernetesJson.Serialize(back))!;

        Assert.Equal("events.todo.newitem", back.Spec.Topic);
        Assert.Equal("todo-audit", back.Spec.FunctionSelector!.MatchLabels["function"]);
        Assert.Equal(3, back.Spec.Delivery!.MaxAttempts);
        Assert.Equal("[1,2,3]", json["spec"]!["someFutureField"]!["nested"]!.ToJsonString());
        Assert.True((bool)json["spec"]!["delivery"]!["unknownDeliveryKnob"]!);
        Assert.Equal("kept", (string?)json["extraTopLevel"]);
        Assert.Equal("kubeless", back.Metadata.Labels["created-by"]);
        Assert.False(string.IsNullOrEmpty(back.Metadata.Uid));
    }

    [Fact]
    public async Task Watch_Streams_Events_In_Order_With_Bookmarks()
    {
        var start = _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string?)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync("ns", allowWatchBookmarks: true, resourceVersion: start, cancellationToken: stop.Token))
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

        await _client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a" } }, "ns");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(new V1Patch("""{"data":{"k":"v"}}""", V1Patch.PatchType.MergePatch), "a", "ns");
        await _client.CoreV1.DeleteNamespacedConfigMapAsync("a", "ns");
        await Eventually.WaitUntilAsync(() => { lock (seen) { return seen.Count == 3; } }, "three events arrive");
        _server.SendBookmarks();
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
        var start = _server.ResourceVersion.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var stop = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var seen = new List<(WatchEventType, string?, string?)>();
        var watching = Task.Run(async () =>
        {
            await foreach (var (type, item) in _client.CoreV1.WatchListNamespacedConfigMapAsync("ns", allowWatchBookmarks: true, labelSelector: "tier=gold", resourceVersion: start, cancellationToken: stop.Token))
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
        await _client.CoreV1.CreateNamespacedConfigMapAsync(Map("a", "gold"), "ns");
        await _client.CoreV1.CreateNamespacedConfigMapAsync(Map("b", "silver"), "ns");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(Tier("silver"), "a", "ns");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(Tier("gold"), "b", "ns");
        await _client.CoreV1.PatchNamespacedConfigMapAsync(Tier("bronze"), "a", "ns");
        await Eventually.WaitUntilAsync(() => { lock (seen) { return seen.Count == 3; } }, "three events arrive");
        _server.SendBookmarks();
        await watching.WaitAsync(stop.Token);

        // The DELETED event carries the object as it is now (no longer matching).
        Assert.Equal([(WatchEventType.Added, "a", "gold"), (WatchEventType.Deleted, "a", "silver"), (WatchEventType.Added, "b", "gold"), (WatchEventType.Bookmark, null, null)], seen);
        var listed = await _client.CoreV1.ListNamespacedConfigMapAsync("ns", labelSelector: "tier!=gold");
        Assert.Equal(["a"], listed.Items.Select(i => i.Metadata.Name).ToArray());
    }

    private static JsonNode Status(HttpOperationException e) => JsonNode.Parse(e.Response.Content)!;

    private static V1Lease Lease(string name, string holder) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = 15 } };

    private static NatsTrigger NewTrigger(string @namespace, string name, string topic) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
        Spec = new NatsTriggerSpec { Topic = topic, FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = name } } },
    };

    private Task CreateTriggerAsync(string @namespace, string name, string topic) =>
        _client.CustomObjects.CreateNamespacedCustomObjectAsync(NewTrigger(@namespace, name, topic), "kubeless.io", "v1beta1", @namespace, "natstriggers");
}
