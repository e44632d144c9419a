using Triggers.Core.Reconcile;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>An unexpected exception while handling one trigger's messages shows on that trigger (Degraded), in Kubernetes mode.</summary>
public sealed class DegradedConditionTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task A_Message_Whose_Handling_Throws_Degrades_Only_Its_Trigger_Until_A_Later_Message_Is_Handled()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        await using var cluster = await KubernetesCluster.StartAsync();
        var ns = TestWorker.Unique("degraded");
        cluster.Function(ns, "fn", function.Url);
        cluster.Trigger(ns, "bad", $"{ns}.bad", "fn");
        cluster.Trigger(ns, "good", $"{ns}.good", "fn");
        ThrowingDispatcher dispatcher = null!;
        await using var worker = await TestWorker.StartKubernetesAsync(
            nats.Url, cluster.Kubeconfig, s => dispatcher = ThrowingDispatcher.ForTopic(s, $"{ns}.bad"), "--Triggers:AllowedEndpoints:0=http://127.0.0.1:");
        await cluster.WaitForReasonAsync(ns, "bad", NatsTriggerPlanner.ReasonSubscribed);
        await cluster.WaitForReasonAsync(ns, "good", NatsTriggerPlanner.ReasonSubscribed);

        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.bad", 3);
        await Eventually.WaitUntilAsync(() => cluster.Condition(ns, "bad", DegradedCondition.Type).Status == "True", "the API server shows bad Degraded=True");
        var degraded = cluster.Condition(ns, "bad", DegradedCondition.Type);
        Assert.Equal(ConditionReasons.MessageHandlingFailed, degraded.Reason);
        Assert.Contains($"InvalidOperationException: {ThrowingDispatcher.ErrorText}", degraded.Message, StringComparison.Ordinal);
        Assert.Contains($"{ns}.bad", degraded.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("m0", degraded.Message, StringComparison.Ordinal);
        Assert.Equal(("True", NatsTriggerPlanner.ReasonSubscribed), (cluster.Ready(ns, "bad").Status, cluster.Ready(ns, "bad").Reason));

        // The other trigger on the same worker delivers, and is not degraded.
        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.good", 5);
        await function.WaitForRequestsAsync(5);
        Assert.All(function.Requests, r => Assert.Equal($"{ns}.good", r.Header("event-topic")));
        Assert.Null(cluster.Condition(ns, "good", DegradedCondition.Type).Status);
        Assert.True(dispatcher.Thrown >= 3);

        // Handled again: Degraded=False (written within the rate limit's interval), Ready untouched.
        dispatcher.Throwing = false;
        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.bad", 1);
        await function.WaitForRequestsAsync(6);
        await Eventually.WaitUntilAsync(() => cluster.Condition(ns, "bad", DegradedCondition.Type) is ("False", ConditionReasons.Recovered, _), "the API server shows bad Degraded=False Recovered");
        Assert.Equal("True", cluster.Ready(ns, "bad").Status);
    }
}
