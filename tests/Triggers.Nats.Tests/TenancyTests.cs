using System.Net;
using System.Net.Sockets;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Triggers.Core.Resources;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>
/// Tenants that do not trust each other, in Kubernetes mode against the fake API server and a real
/// nats-server: endpoints, subjects and durables a namespace may not use.
/// </summary>
public sealed class TenancyTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private const string AllowLoopback = "--Triggers:AllowedEndpoints:0=http://127.0.0.1:";

    [Fact]
    public async Task A_Loopback_Endpoint_Gets_No_Connection_Until_The_Operator_Allows_It()
    {
        // A bare TCP listener: proof that not even a connection is attempted.
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var listenerUrl = new Uri($"http://127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}/");
        await using var cluster = await KubernetesCluster.StartAsync();
        var ns = TestWorker.Unique("tenant");
        cluster.Function(ns, "grabber", listenerUrl);
        cluster.Trigger(ns, "grab", $"{ns}.jobs", "grabber");

        await using (var worker = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig))
        {
            await cluster.WaitForReasonAsync(ns, "grab", "EndpointNotAllowed");
            Assert.Equal("False", cluster.Ready(ns, "grab").Status);
            Assert.Contains($"{ns}/grabber", cluster.Ready(ns, "grab").Message, StringComparison.Ordinal);
            Assert.DoesNotContain(worker.Subscriptions.Keys, k => k.StartsWith($"{ns}/", StringComparison.Ordinal));

            await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
            await client.PublishAsync($"{ns}.jobs", "steal"u8.ToArray());
            await client.PingAsync();

            // A negative: give a delivery, were there one, ample time to connect.
            await Task.Delay(TimeSpan.FromSeconds(1));
            Assert.False(listener.Pending(), "the worker connected to a refused endpoint");
        }

        // The operator lists loopback: the same kind of annotation is now honoured.
        await using var function = await RecordingFunctionServer.StartAsync();
        cluster.Function(ns, "grabber", function.Url);
        await using var allowed = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig, AllowLoopback);
        await cluster.WaitForReasonAsync(ns, "grab", NatsTriggerPlanner.ReasonSubscribed);
        await using var publisher = new NatsConnection(new NatsOpts { Url = nats.Url });
        await publisher.PublishAsync($"{ns}.jobs", "hello"u8.ToArray());
        await function.WaitForRequestsAsync(1);
        Assert.Equal("hello", Assert.Single(function.Requests).BodyText);
        Assert.False(listener.Pending());
    }

    [Fact]
    public async Task Reserved_Subjects_Are_Refused_By_Default()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var cluster = await KubernetesCluster.StartAsync();
        var ns = TestWorker.Unique("snoop");
        cluster.Function(ns, "fn", function.Url);
        cluster.Trigger(ns, "all", ">", "fn");
        cluster.Trigger(ns, "jsapi", "$JS.API.>", "fn");
        cluster.Trigger(ns, "inbox", "_INBOX.>", "fn");
        cluster.Trigger(ns, "own", $"{ns}.jobs", "fn");

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig, AllowLoopback);
        await cluster.WaitForReasonAsync(ns, "own", NatsTriggerPlanner.ReasonSubscribed);
        foreach (var name in new[] { "all", "jsapi", "inbox" })
        {
            await cluster.WaitForReasonAsync(ns, name, NatsSubjectPolicy.ReasonSubjectNotAllowed);
        }

        Assert.Equal([$"{ns}/own/fn"], worker.Subscriptions.Keys.Where(k => k.StartsWith($"{ns}/", StringComparison.Ordinal)).ToArray());
    }

    [Fact]
    public async Task With_Namespace_Subjects_A_Tenant_Cannot_Read_Or_Dead_Letter_Into_Another_Tenants_Subjects()
    {
        await using var functionA = await RecordingFunctionServer.StartAsync();
        await using var functionB = await RecordingFunctionServer.StartAsync();
        await using var cluster = await KubernetesCluster.StartAsync();
        var a = TestWorker.Unique("tenant-a");
        var b = TestWorker.Unique("tenant-b");
        cluster.Function(a, "fn", functionA.Url);
        cluster.Function(b, "fn", functionB.Url);
        cluster.Trigger(a, "own", $"{a}.jobs", "fn");
        cluster.Trigger(a, "steal", $"{b}.jobs", "fn");
        cluster.Trigger(a, "dump", $"{a}.other", "fn", s => s.Delivery = new DeliverySpec { DeadLetterSubject = $"{b}.jobs" });
        cluster.Trigger(b, "own", $"{b}.jobs", "fn");

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig, AllowLoopback, "--Nats:AllowedSubjects:0={namespace}.>");
        await cluster.WaitForReasonAsync(a, "own", NatsTriggerPlanner.ReasonSubscribed);
        await cluster.WaitForReasonAsync(b, "own", NatsTriggerPlanner.ReasonSubscribed);
        await cluster.WaitForReasonAsync(a, "steal", NatsSubjectPolicy.ReasonSubjectNotAllowed);
        await cluster.WaitForReasonAsync(a, "dump", NatsSubjectPolicy.ReasonSubjectNotAllowed);
        Assert.Contains("spec.delivery.deadLetterSubject", cluster.Ready(a, "dump").Message, StringComparison.Ordinal);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        for (var i = 0; i < 20; i++)
        {
            await client.PublishAsync($"{b}.jobs", Encoding.UTF8.GetBytes($"b{i}"));
        }

        await client.PublishAsync($"{a}.jobs", "a0"u8.ToArray());
        await functionB.WaitForRequestsAsync(20);
        await functionA.WaitForRequestsAsync(1);

        // Tenant b's messages went to b's function only.
        Assert.Equal(["a0"], functionA.Requests.Select(r => r.BodyText).ToArray());
        Assert.Equal(20, functionB.Count);
    }

    [Fact]
    public async Task A_JetStream_Durable_Of_Another_Namespace_Is_Refused_And_Its_Owner_Receives_Everything()
    {
        await using var functionA = await RecordingFunctionServer.StartAsync();
        await using var functionB = await RecordingFunctionServer.StartAsync();
        await using var cluster = await KubernetesCluster.StartAsync();
        var a = TestWorker.Unique("tenant-a");
        var b = TestWorker.Unique("tenant-b");
        var stream = "ORDERS_" + b.Replace('-', '_');
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig(stream, [$"{b}.orders.>"]));

        // Same function name in both namespaces: a's consumer would be b's consumer, b_orders_worker.
        cluster.Function(a, "worker", functionA.Url);
        cluster.Function(b, "worker", functionB.Url);
        cluster.Trigger(b, "orders", $"{b}.orders.>", "worker", s => s.JetStream = new JetStreamSpec { Stream = stream, Durable = $"{b}_orders" });
        cluster.Trigger(a, "orders", $"{b}.orders.>", "worker", s => s.JetStream = new JetStreamSpec { Stream = stream, Durable = $"{b}_orders" });

        await using var worker = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig, AllowLoopback);
        await cluster.WaitForReasonAsync(b, "orders", NatsTriggerPlanner.ReasonSubscribed);
        await cluster.WaitForReasonAsync(a, "orders", NatsSubjectPolicy.ReasonDurableNotAllowed);
        Assert.Contains($"\"{a}_\"", cluster.Ready(a, "orders").Message, StringComparison.Ordinal);

        const int Count = 50;
        for (var i = 0; i < Count; i++)
        {
            await js.PublishAsync($"{b}.orders.new", Encoding.UTF8.GetBytes($"o{i}"));
        }

        await functionB.WaitForRequestsAsync(Count);
        Assert.Equal(Enumerable.Range(0, Count).Select(i => $"o{i}").Order(), functionB.Requests.Select(r => r.BodyText).Distinct().Order());
        Assert.Equal(0, functionA.Count);
        await worker.KillAsync();
    }
}
