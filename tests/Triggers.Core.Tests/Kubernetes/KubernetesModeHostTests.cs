using System.Net;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Kubernetes;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Sources;
using Triggers.Core.Tests.Reconcile;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>A worker host in Kubernetes mode (the default source) against the fake API server, end to end.</summary>
public sealed class KubernetesModeHostTests() : ApiServerTestBase("triggers-k8s-host-")
{
    [Fact]
    public async Task Watches_The_Api_Server_And_Writes_Trigger_Status_Back()
    {
        var function = SourceHarness.NewFunction("todo", "todo-audit");
        function.Metadata.Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = "http://127.0.0.1:1/" };
        Server.Apply(FakeResourceType.Functions, function);
        Server.Apply(FakeResourceType.NatsTriggers, Trigger("todo", "todo-audit", "events.todo.newitem", "todo-audit"));
        Server.Apply(FakeResourceType.NatsTriggers, Trigger("todo", "lonely", "events.nobody", "nobody"));
        var kubeconfig = Server.WriteKubeconfig(Path.Combine(Folder, "kubeconfig"));

        await using var app = Build($"--Triggers:Kubeconfig={kubeconfig}", "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        Assert.IsType<KubernetesResourceSource>(app.Services.GetRequiredService<IResourceSource>());
        Assert.IsType<KubernetesStatusWriter>(app.Services.GetRequiredService<ITriggerStatusWriter>());
        await app.StartAsync();
        using var http = new HttpClient { BaseAddress = ServerAddress.Of(app.Services) };

        await Eventually.WaitUntilAsync(async () => (await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK, "/readyz answers 200");
        await Eventually.WaitUntilAsync(() => Ready("todo-audit") == ("True", "Subscribed", "1"), "todo-audit is Ready in the API server");
        await Eventually.WaitUntilAsync(() => Ready("lonely") == ("False", "NoMatchingFunctions", "1"), "lonely is not Ready in the API server");

        // A spec change moves the generation; the worker reports it observed the new one.
        using var client = Server.CreateClient();
        await client.CustomObjects.PatchNamespacedCustomObjectAsync(
            new V1Patch("""{"spec":{"topic":"events.todo.changed"}}""", V1Patch.PatchType.MergePatch), "kubeless.io", "v1beta1", "todo", "natstriggers", "todo-audit");
        await Eventually.WaitUntilAsync(() => Ready("todo-audit") == ("True", "Subscribed", "2"), "observedGeneration follows the spec change");

        // The function goes away: the trigger is no longer ready.
        await client.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", "todo", "functions", "todo-audit");
        await Eventually.WaitUntilAsync(() => Ready("todo-audit") == ("False", "NoMatchingFunctions", "2"), "todo-audit reports no functions");
        await app.StopAsync();
    }

    private static WebApplication Build(params string[] args) => TestWorkerHost.Build(args);

    private (string?, string?, string?) Ready(string name)
    {
        var status = Server.Get(FakeResourceType.NatsTriggers, "todo", name)?["status"];
        var condition = (status?["conditions"] as JsonArray)?.FirstOrDefault(c => (string?)c?["type"] == "Ready");
        return ((string?)condition?["status"], (string?)condition?["reason"], status?["observedGeneration"]?.ToJsonString());
    }

    private static NatsTrigger Trigger(string @namespace, string name, string topic, string function) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
        Spec = new NatsTriggerSpec { Topic = topic, FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = function } } },
    };
}
