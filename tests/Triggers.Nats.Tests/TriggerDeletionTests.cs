using System.Text;
using k8s;
using k8s.Models;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Triggers.Core.Resources;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>NATSTriggers deleted by their owner, in Kubernetes mode against the fake API server and a real nats-server.</summary>
public sealed class TriggerDeletionTests(NatsServerFixture nats) : ApiServerTestBase("triggers-nats-delete-"), IClassFixture<NatsServerFixture>
{
    private const string Keep = "example.com/keep";
    private static readonly TimeSpan StopsWithin = TimeSpan.FromSeconds(5);
    [Fact]
    public async Task Deleted_Trigger_Stops_Within_5s_And_Only_The_Kubeless_Finalizer_Goes()
    {
        var ns = TestWorker.Unique("del");
        await using var deletedFn = await RecordingFunctionServer.StartAsync();
        await using var keptFn = await RecordingFunctionServer.StartAsync();
        ApplyFunction(ns, "gone-fn", deletedFn.Url);
        ApplyFunction(ns, "kept-fn", keptFn.Url);
        ApplyTrigger(ns, "shared", $"{ns}.shared", "gone-fn", null, KubelessFinalizers.NatsTrigger, Keep);
        ApplyTrigger(ns, "ours", $"{ns}.ours", "gone-fn", null, KubelessFinalizers.NatsTrigger);
        ApplyTrigger(ns, "kept", $"{ns}.kept", "kept-fn", null, KubelessFinalizers.NatsTrigger);

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, Server.WriteKubeconfig(Path.Combine(Folder, "kubeconfig")), "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        await worker.WaitForSubscriptionsAsync(ns + "/", 3);
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync($"{ns}.shared", Encoding.UTF8.GetBytes("before"));
        await deletedFn.WaitForRequestsAsync(1);

        using var kube = Server.CreateClient();
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", ns, "natstriggers", "shared");
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", ns, "natstriggers", "ours");

        await Eventually.WaitUntilAsync(() => worker.Subscriptions.Keys.All(k => !k.StartsWith($"{ns}/shared/", StringComparison.Ordinal) && !k.StartsWith($"{ns}/ours/", StringComparison.Ordinal)), "the deleted triggers' subscriptions stop", StopsWithin);
        await Eventually.WaitUntilAsync(() => Finalizers(ns, "shared") == $"""["{Keep}"]""", "the Kubeless finalizer goes and the foreign one stays");
        await Eventually.WaitUntilAsync(() => Server.Get(FakeResourceType.NatsTriggers, ns, "ours") is null, "the trigger with only the Kubeless finalizer disappears");

        // Published after the delete: nothing reaches the deleted triggers' function, while the kept trigger still delivers.
        await client.PublishAsync($"{ns}.shared", Encoding.UTF8.GetBytes("after"));
        await client.PublishAsync($"{ns}.ours", Encoding.UTF8.GetBytes("after"));
        await client.PublishAsync($"{ns}.kept", Encoding.UTF8.GetBytes("sentinel"));
        await keptFn.WaitForRequestsAsync(1);
        await client.PingAsync();
        Assert.Equal(["before"], deletedFn.Requests.Select(r => r.BodyText));
        Assert.Equal(KubelessFinalizers.NatsTrigger, (string?)Server.Get(FakeResourceType.NatsTriggers, ns, "kept")!["metadata"]!["finalizers"]![0]);
    }

    [Fact]
    public async Task In_Flight_Delivery_Finishes_Before_The_Finalizer_Goes()
    {
        var ns = TestWorker.Unique("inflight");
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromSeconds(3));
        ApplyFunction(ns, "slow-fn", function.Url);
        ApplyTrigger(ns, "slow", $"{ns}.slow", "slow-fn", null, KubelessFinalizers.NatsTrigger, Keep);

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, Server.WriteKubeconfig(Path.Combine(Folder, "kubeconfig")), "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        await worker.WaitForSubscriptionsAsync(ns + "/", 1);
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync($"{ns}.slow", Encoding.UTF8.GetBytes("in-flight"));
        await Eventually.WaitUntilAsync(() => function.Count == 1, "the POST is in flight");

        using var kube = Server.CreateClient();
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", ns, "natstriggers", "slow");

        // The finalizer goes only after the drain: by then the function has answered the in-flight POST.
        await Eventually.WaitUntilAsync(() => Finalizers(ns, "slow") == $"""["{Keep}"]""", "the Kubeless finalizer goes");
        Assert.Equal(1, function.Succeeded);
    }

    [Fact]
    public async Task JetStream_Consumer_Of_A_Deleted_Trigger_Is_Deleted_From_The_Server()
    {
        var ns = TestWorker.Unique("jsdel");
        var stream = ns.Replace("-", "_", StringComparison.Ordinal).ToUpperInvariant();
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig(stream, [$"{ns}.>"]));
        await using var function = await RecordingFunctionServer.StartAsync();
        ApplyFunction(ns, "fn", function.Url);
        ApplyTrigger(ns, "orders", $"{ns}.orders", "fn", new JetStreamSpec { Stream = stream }, KubelessFinalizers.NatsTrigger);
        ApplyTrigger(ns, "audit", $"{ns}.audit", "fn", new JetStreamSpec { Stream = stream }, KubelessFinalizers.NatsTrigger, Keep);

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, Server.WriteKubeconfig(Path.Combine(Folder, "kubeconfig")), "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        await worker.WaitForSubscriptionsAsync(ns + "/", 2);
        await js.PublishAsync($"{ns}.orders", Encoding.UTF8.GetBytes("one"));
        await function.WaitForRequestsAsync(1);
        Assert.Equal([$"{ns}_audit_fn", $"{ns}_orders_fn"], (await ConsumersAsync(js, stream)).Order(StringComparer.Ordinal));

        using var kube = Server.CreateClient();
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", ns, "natstriggers", "orders");
        await Eventually.WaitUntilAsync(() => Server.Get(FakeResourceType.NatsTriggers, ns, "orders") is null, "the deleted trigger disappears");

        // Removed only after its consumer was deleted; the other trigger's consumer stays.
        Assert.Equal([$"{ns}_audit_fn"], await ConsumersAsync(js, stream));
        await js.PublishAsync($"{ns}.orders", Encoding.UTF8.GetBytes("two"));
        await js.PublishAsync($"{ns}.audit", Encoding.UTF8.GetBytes("sentinel"));
        await Eventually.WaitUntilAsync(() => function.Requests.Any(r => r.BodyText == "sentinel"), "the remaining trigger still delivers");
        Assert.DoesNotContain(function.Requests, r => r.BodyText == "two");
    }

    private static async Task<List<string>> ConsumersAsync(NatsJSContext js, string stream)
    {
        var names = new List<string>();
        await foreach (var name in js.ListConsumerNamesAsync(stream))
        {
            names.Add(name);
        }

        return names;
    }

    private string? Finalizers(string ns, string name) => Server.Get(FakeResourceType.NatsTriggers, ns, name)?["metadata"]?["finalizers"]?.ToJsonString();

    private void ApplyFunction(string ns, string name, Uri url) => Server.Apply(FakeResourceType.Functions, new Function
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = ns,
            Labels = new Dictionary<string, string> { ["function"] = name },
            Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = url.ToString() },
        },
        Spec = new FunctionSpec { Handler = "h.run", Runtime = "python3.7" },
    });

    private void ApplyTrigger(string ns, string name, string topic, string function, JetStreamSpec? jetStream, params string[] finalizers) =>
        Server.Apply(FakeResourceType.NatsTriggers, new NatsTrigger
        {
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Finalizers = finalizers },
            Spec = new NatsTriggerSpec
            {
                Topic = topic,
                JetStream = jetStream,
                FunctionSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["function"] = function } },
            },
        });
}
