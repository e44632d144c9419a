using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using NATS.Client.Core;
using Triggers.Core.Resources;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>The worker in Kubernetes mode against the fake API server and a real nats-server.</summary>
public sealed class KubernetesModeTests(NatsServerFixture nats) : ApiServerTestBase("triggers-nats-k8s-"), IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Book_Scenario_In_Kubernetes_Mode_Delivers_And_Writes_Ready_Status()
    {
        const string ToDo = """{"CorrelationId":"0d6f1a7e-3c55-4d0c-9a43-2f7f3c1d2b11","Subject":"events.todo.newitem","Item":{"ToDoId":2,"Item":"Walk the dog","DateAdded":"2026-11-27T01:00:00Z"}}""";
        await using var function = await RecordingFunctionServer.StartAsync();
        var ns = TestWorker.Unique("k8s");
        var topic = $"{ns}.events.todo.newitem";
        Server.Apply(FakeResourceType.Functions, new Function
        {
            Metadata = new V1ObjectMeta
            {
                Name = "todo-audit",
                NamespaceProperty = ns,
                Labels = new Dictionary<string, string> { ["function"] = "todo-audit" },
                Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = function.Url.ToString() },
            },
            Spec = new FunctionSpec { Handler = "audit.handler", Runtime = "python3.7" },
        });
        Server.Apply(FakeResourceType.NatsTriggers, new NatsTrigger
        {
            Metadata = new V1ObjectMeta { Name = "todo-audit", NamespaceProperty = ns, Labels = new Dictionary<string, string> { ["created-by"] = "kubeless" } },
            Spec = new NatsTriggerSpec
            {
                Topic = topic,
                FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = "todo-audit" } },
            },
        });
        var kubeconfig = Server.WriteKubeconfig(Path.Combine(Folder, "kubeconfig"));

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, kubeconfig, "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        await Eventually.WaitUntilAsync(() => Ready(ns, "todo-audit") == ("True", "Subscribed"), "the API server shows todo-audit Ready=True Subscribed");
        using var http = new HttpClient { BaseAddress = worker.BaseUrl };
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "/readyz is 200");

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync(topic, Encoding.UTF8.GetBytes(ToDo));
        await function.WaitForRequestsAsync(1);

        var request = Assert.Single(function.Requests);
        Assert.Equal(ToDo, request.BodyText);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("natstriggers.kubeless.io", request.Header("event-namespace"));
        Assert.Equal(topic, request.Header("event-topic"));
        Assert.False(string.IsNullOrEmpty(request.Header("event-id")));
        Assert.False(string.IsNullOrEmpty(request.Header("event-time")));
        Assert.Equal("application/json", request.Header("event-type"));
    }

    private (string?, string?) Ready(string @namespace, string name)
    {
        var status = Server.Get(FakeResourceType.NatsTriggers, @namespace, name)?["status"];
        var condition = (status?["conditions"] as JsonArray)?.FirstOrDefault(c => (string?)c?["type"] == "Ready");
        return ((string?)condition?["status"], (string?)condition?["reason"]);
    }
}
