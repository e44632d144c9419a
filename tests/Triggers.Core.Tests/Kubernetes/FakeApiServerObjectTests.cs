using System.Net;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>The fake API server answers create, replace, get, patch and the status subresource the way the real server does.</summary>
public sealed class FakeApiServerObjectTests : FakeApiServerTestBase
{
    [Fact]
    public async Task Lease_Create_Twice_Is_409_AlreadyExists()
    {
        await Client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("lock", "a"), "ns");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("lock", "b"), "ns"));

        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("AlreadyExists", Status(e)["reason"]!.GetValue<string>());
    }

    [Fact]
    public async Task Lease_Replace_With_A_Stale_ResourceVersion_Is_409_Conflict()
    {
        var created = await Client.CoordinationV1.CreateNamespacedLeaseAsync(Lease("lock", "a"), "ns");
        created.Spec.HolderIdentity = "b";
        var replaced = await Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "lock", "ns");
        Assert.NotEqual(created.Metadata.ResourceVersion, replaced.Metadata.ResourceVersion);

        created.Spec.HolderIdentity = "c";
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoordinationV1.ReplaceNamespacedLeaseAsync(created, "lock", "ns"));

        Assert.Equal(HttpStatusCode.Conflict, e.Response.StatusCode);
        Assert.Equal("Conflict", Status(e)["reason"]!.GetValue<string>());
        Assert.Equal("b", (await Client.CoordinationV1.ReadNamespacedLeaseAsync("lock", "ns")).Spec.HolderIdentity);
    }

    [Fact]
    public async Task Get_Of_A_Missing_Object_Is_404_NotFound_Naming_It()
    {
        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CoordinationV1.ReadNamespacedLeaseAsync("nope", "ns"));

        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
        Assert.Equal("nope", Status(e)["details"]!["name"]!.GetValue<string>());
    }

    [Fact]
    public async Task Spec_Changes_Bump_Generation_And_Status_Changes_Do_Not_Touch_Spec()
    {
        await CreateTriggerAsync("ns", "t", "topic.one");

        await Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1},"spec":{"topic":"ignored"}}""", V1Patch.PatchType.MergePatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        var afterStatus = Server.Get(FakeResourceType.NatsTriggers, "ns", "t")!;
        Assert.Equal("topic.one", (string?)afterStatus["spec"]!["topic"]);
        Assert.Equal("1", afterStatus["metadata"]!["generation"]!.ToJsonString());
        Assert.Equal("1", afterStatus["status"]!["observedGeneration"]!.ToJsonString());

        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"topic":"topic.two"},"status":{"observedGeneration":9}}""", V1Patch.PatchType.MergePatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        var afterSpec = Server.Get(FakeResourceType.NatsTriggers, "ns", "t")!;
        Assert.Equal("topic.two", (string?)afterSpec["spec"]!["topic"]);
        Assert.Equal("2", afterSpec["metadata"]!["generation"]!.ToJsonString());
        // The main endpoint ignores status when the status subresource exists.
        Assert.Equal("1", afterSpec["status"]!["observedGeneration"]!.ToJsonString());

        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"metadata":{"labels":{"team":"a"}}}""", V1Patch.PatchType.MergePatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        Assert.Equal("2", Server.Get(FakeResourceType.NatsTriggers, "ns", "t")!["metadata"]!["generation"]!.ToJsonString());
    }

    [Fact]
    public async Task Json_Patch_Applies_And_A_Failed_Test_Op_Is_Rejected()
    {
        await CreateTriggerAsync("ns", "t", "topic.one");

        await Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/spec/topic","value":"topic.one"},{"op":"replace","path":"/spec/topic","value":"topic.three"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t");
        Assert.Equal("topic.three", (string?)Server.Get(FakeResourceType.NatsTriggers, "ns", "t")!["spec"]!["topic"]);

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"test","path":"/spec/topic","value":"topic.one"}]""", V1Patch.PatchType.JsonPatch),
            "kubeless.io", "v1beta1", "ns", "natstriggers", "t"));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, e.Response.StatusCode);
    }

    [Fact]
    public async Task Status_Path_Is_404_When_The_Status_Subresource_Is_Disabled()
    {
        Server.DisableStatusSubresource(FakeResourceType.NatsTriggers);
        await CreateTriggerAsync("ns", "t", "topic.one");

        var e = await Assert.ThrowsAsync<HttpOperationException>(() => Client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(
            new V1Patch("""{"status":{"observedGeneration":1}}""", V1Patch.PatchType.MergePatch), "kubeless.io", "v1beta1", "ns", "natstriggers", "t"));

        Assert.Equal(HttpStatusCode.NotFound, e.Response.StatusCode);
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

        await Client.CustomObjects.CreateNamespacedCustomObjectAsync(model, "kubeless.io", "v1beta1", "todo", "natstriggers");
        var fetched = (JsonElement)await Client.CustomObjects.GetNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "todo", "natstriggers", "todo-audit");
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
}
