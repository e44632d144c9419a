using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Triggers.Core.Kubernetes;
using Triggers.Core.Resources;
using Triggers.Core.Tests.Reconcile;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>A trigger its owner deletes: subscriptions stop, clean-up runs, only the Kubeless finalizer goes.</summary>
public sealed class TriggerDeletionTests() : ApiServerTestBase("triggers-deletion-")
{
    private const string Keep = "example.com/keep";

    [Fact]
    public async Task Deleted_Trigger_Is_Stopped_Cleaned_Up_And_Only_Its_Kubeless_Finalizer_Removed()
    {
        await using var app = await StartWorkerAsync(Trigger("shared", KubelessFinalizers.NatsTrigger, Keep), Trigger("ours", KubelessFinalizers.NatsTrigger), Trigger("stays", KubelessFinalizers.NatsTrigger));
        var set = app.Services.GetRequiredService<TestSubscriptionSet>();

        using var client = Server.CreateClient();
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "shop", "natstriggers", "shared");
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "shop", "natstriggers", "ours");

        await Eventually.WaitUntilAsync(() => Server.Get(FakeResourceType.NatsTriggers, "shop", "ours") is null, "a trigger with only the Kubeless finalizer disappears");
        await Eventually.WaitUntilAsync(() => Finalizers("shared") == $"""["{Keep}"]""", "the Kubeless finalizer goes and the foreign one stays");
        Assert.Equal(["shop/stays/audit"], set.Running.Keys);
        var journal = set.Journal.ToArray();
        foreach (var name in new[] { "shared", "ours" })
        {
            // Stopped first, cleaned up after, never started again.
            var removed = Array.IndexOf(journal, $"remove shop/{name}/audit");
            var cleaned = Array.IndexOf(journal, $"cleanup shop/{name}/audit");
            Assert.True(removed >= 0 && cleaned > removed, $"{name}: {string.Join(" | ", journal)}");
            Assert.Single(journal, j => j == $"cleanup shop/{name}/audit");
        }

        // The still-terminating trigger is not cleaned up again on later passes.
        Server.Apply(FakeResourceType.Functions, SourceHarness.NewFunction("shop", "other"));
        await Eventually.WaitUntilAsync(() => set.Journal.Count(j => j.StartsWith("cleanup", StringComparison.Ordinal)) == 2 && set.Running.Count == 1, "nothing more happens");
        Assert.Equal(KubelessFinalizers.NatsTrigger, (string?)Server.Get(FakeResourceType.NatsTriggers, "shop", "stays")!["metadata"]!["finalizers"]![0]);
        await app.StopAsync();
    }

    [Fact]
    public async Task Failed_Clean_Up_Keeps_The_Finalizer_And_Is_Retried()
    {
        await using var app = await StartWorkerAsync(Trigger("stuck", KubelessFinalizers.NatsTrigger));
        var set = app.Services.GetRequiredService<TestSubscriptionSet>();
        set.FailCleanUp["shop/stuck/audit"] = true;

        using var client = Server.CreateClient();
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "shop", "natstriggers", "stuck");
        await Eventually.WaitUntilAsync(() => set.Journal.Count(j => j == "cleanup-failed shop/stuck/audit") >= 2, "the clean-up is retried");
        Assert.Empty(set.Running);
        Assert.Equal($"""["{KubelessFinalizers.NatsTrigger}"]""", Finalizers("stuck"));

        set.FailCleanUp.Clear();
        await Eventually.WaitUntilAsync(() => Server.Get(FakeResourceType.NatsTriggers, "shop", "stuck") is null, "once the clean-up succeeds the trigger goes");
        await app.StopAsync();
    }

    [Fact]
    public async Task Finalizer_Patch_Never_Removes_A_Finalizer_That_Moved_Into_Its_Place()
    {
        Server.Apply(FakeResourceType.NatsTriggers, Trigger("moving", "example.com/first", KubelessFinalizers.NatsTrigger, Keep));
        using var client = Server.CreateClient();
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "shop", "natstriggers", "moving");
        var seen = Read("moving"); // what the worker's cache holds: ours at index 1

        // Meanwhile another owner removes its finalizer: ours moves to index 0 and "keep" to index 1.
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""[{"op":"remove","path":"/metadata/finalizers/0"}]""", V1Patch.PatchType.JsonPatch), "kubeless.io", "v1beta1", "shop", "natstriggers", "moving");

        var finalizer = new KubernetesTriggerFinalizer(client, NullLogger<KubernetesTriggerFinalizer>.Instance);
        await finalizer.ReleaseAsync(ResourceKind.NatsTrigger, seen, CancellationToken.None);

        Assert.Equal($"""["{Keep}"]""", Finalizers("moving"));
    }

    [Fact]
    public async Task Finalizer_Patch_Leaves_A_New_Object_With_The_Same_Name_Alone()
    {
        Server.Apply(FakeResourceType.NatsTriggers, Trigger("reborn", KubelessFinalizers.NatsTrigger));
        var old = Read("reborn");
        Server.Remove(FakeResourceType.NatsTriggers, "shop", "reborn");
        Server.Apply(FakeResourceType.NatsTriggers, Trigger("reborn", KubelessFinalizers.NatsTrigger));
        using var client = Server.CreateClient();

        var finalizer = new KubernetesTriggerFinalizer(client, NullLogger<KubernetesTriggerFinalizer>.Instance);
        await finalizer.ReleaseAsync(ResourceKind.NatsTrigger, old, CancellationToken.None);

        Assert.Equal($"""["{KubelessFinalizers.NatsTrigger}"]""", Finalizers("reborn"));
    }

    /// <summary>The test worker in Kubernetes mode, once every trigger (all selecting function "audit") runs.</summary>
    private async Task<WebApplication> StartWorkerAsync(params NatsTrigger[] triggers)
    {
        var function = SourceHarness.NewFunction("shop", "audit");
        function.Metadata.Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = "http://127.0.0.1:1/" };
        Server.Apply(FakeResourceType.Functions, function);
        foreach (var trigger in triggers)
        {
            Server.Apply(FakeResourceType.NatsTriggers, trigger);
        }

        var app = TestWorkerHost.Build($"--Triggers:Kubeconfig={Server.WriteKubeconfig(Path.Combine(Folder, "kubeconfig"))}", "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        await app.StartAsync();
        var set = app.Services.GetRequiredService<TestSubscriptionSet>();
        await Eventually.WaitUntilAsync(() => set.Running.Count == triggers.Length, $"the {triggers.Length} trigger(s) run");
        return app;
    }

    private NatsTrigger Read(string name) =>
        KubernetesJson.Deserialize<NatsTrigger>(Server.Get(FakeResourceType.NatsTriggers, "shop", name)!.ToJsonString());

    private string? Finalizers(string name) => Server.Get(FakeResourceType.NatsTriggers, "shop", name)?["metadata"]?["finalizers"]?.ToJsonString();

    private static NatsTrigger Trigger(string name, params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "shop", Finalizers = finalizers },
        Spec = new NatsTriggerSpec { Topic = "orders." + name, FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "audit" } } },
    };
}
