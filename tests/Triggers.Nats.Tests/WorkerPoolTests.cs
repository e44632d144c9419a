using k8s.Models;
using NATS.Client.Core;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>Worker pools: <c>Triggers:TriggerSelector</c> splits the triggers between Deployments.</summary>
public sealed class WorkerPoolTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Two_Workers_With_Complementary_Trigger_Selectors_Each_Run_Only_Their_Own_Triggers()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var cluster = await KubernetesCluster.StartAsync();
        var ns = TestWorker.Unique("pools");
        cluster.Function(ns, "fn", function.Url);
        cluster.Trigger(ns, "gold", $"{ns}.gold", "fn", labels: new Dictionary<string, string> { ["tier"] = "gold" });
        cluster.Trigger(ns, "silver", $"{ns}.silver", "fn", labels: new Dictionary<string, string> { ["tier"] = "silver" });
        cluster.Trigger(ns, "plain", $"{ns}.plain", "fn");

        const string AllowLoopback = "--Triggers:AllowedEndpoints:0=http://127.0.0.1:";
        await using var gold = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig, AllowLoopback, "--Triggers:TriggerSelector=tier=gold");
        await using var rest = await TestWorker.StartKubernetesAsync(nats.Url, cluster.Kubeconfig, AllowLoopback, "--Triggers:TriggerSelector=tier!=gold");
        await gold.WaitForSubscriptionsAsync($"{ns}/", 1);
        await rest.WaitForSubscriptionsAsync($"{ns}/", 2);
        Assert.Equal([$"{ns}/gold/fn"], Own(gold, ns));
        Assert.Equal([$"{ns}/plain/fn", $"{ns}/silver/fn"], Own(rest, ns));

        // The list and the watch both asked the API server for the selected triggers only.
        Assert.Contains(cluster.Api.Requests, r => r.Resource == "natstriggers" && r.Query.Contains("labelSelector=tier%3Dgold", StringComparison.Ordinal) && r.Query.Contains("watch=true", StringComparison.Ordinal));
        Assert.Contains(cluster.Api.Requests, r => r.Resource == "natstriggers" && r.Query.Contains("labelSelector=tier%21%3Dgold", StringComparison.Ordinal) && !r.Query.Contains("watch=true", StringComparison.Ordinal));

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        foreach (var topic in new[] { "gold", "silver", "plain" })
        {
            await client.PublishAsync($"{ns}.{topic}", System.Text.Encoding.UTF8.GetBytes(topic));
        }

        await function.WaitForRequestsAsync(3);
        Assert.Equal(["gold", "plain", "silver"], function.Requests.Select(r => r.BodyText).Order().ToArray());

        // Relabelled: the trigger moves from one pool to the other (the gold watch sees it DELETED).
        cluster.Trigger(ns, "gold", $"{ns}.gold", "fn", labels: new Dictionary<string, string> { ["tier"] = "silver" });
        await gold.WaitForSubscriptionsAsync($"{ns}/", 0);
        await rest.WaitForSubscriptionsAsync($"{ns}/", 3);
    }

    private static string[] Own(TestWorker worker, string ns) =>
        [.. worker.Subscriptions.Keys.Where(k => k.StartsWith($"{ns}/", StringComparison.Ordinal)).Order(StringComparer.Ordinal)];
}
