using System.Text.Json.Nodes;
using k8s;
using k8s.Autorest;
using k8s.Models;
using Triggers.Core.Resources;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Core.Tests.Kubernetes;

/// <summary>A fresh fake API server and a real KubernetesClient for each test, and the objects the fake-server tests create.</summary>
public abstract class FakeApiServerTestBase : IAsyncLifetime
{
    protected FakeKubernetesApiServer Server { get; private set; } = null!;

    protected IKubernetes Client { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Server = await FakeKubernetesApiServer.StartNewAsync();
        Client = Server.CreateClient();
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
    }

    protected static JsonNode Status(HttpOperationException e) => JsonNode.Parse(e.Response.Content)!;

    protected static V1Lease Lease(string name, string holder) =>
        new() { Metadata = new V1ObjectMeta { Name = name }, Spec = new V1LeaseSpec { HolderIdentity = holder, LeaseDurationSeconds = 15 } };

    protected static NatsTrigger NewTrigger(string @namespace, string name, string topic) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = @namespace },
        Spec = new NatsTriggerSpec { Topic = topic, FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = name } } },
    };

    protected Task CreateTriggerAsync(string @namespace, string name, string topic) =>
        Client.CustomObjects.CreateNamespacedCustomObjectAsync(NewTrigger(@namespace, name, topic), "kubeless.io", "v1beta1", @namespace, "natstriggers");
}
