using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Testing;

namespace Triggers.Cron.Tests;

/// <summary>An unexpected exception while handling one trigger's ticks on the elected leader shows on that trigger (Degraded).</summary>
public sealed class DegradedConditionTests
{
    [Fact]
    public async Task A_Tick_Whose_Delivery_Throws_On_The_Leader_Degrades_Only_Its_Trigger_Until_A_Later_Tick_Is_Handled()
    {
        await using var cluster = await LeaseCluster.StartAsync();
        cluster.Apply("bad", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *" });
        cluster.Apply("good", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *" });
        ThrowingDispatcher dispatcher = null!;
        var replica = await cluster.StartReplicaAsync(s => dispatcher = ThrowingDispatcher.ForTopic(s, "bad"));

        await Eventually.WaitUntilAsync(() => cluster.Condition("bad", DegradedCondition.Type).Status == "True", "the API server shows bad Degraded=True");
        var degraded = cluster.Condition("bad", DegradedCondition.Type);
        Assert.Equal(ConditionReasons.TickHandlingFailed, degraded.Reason);
        Assert.Contains($"InvalidOperationException: {ThrowingDispatcher.ErrorText}", degraded.Message, StringComparison.Ordinal);
        Assert.Equal(("True", "Scheduled"), (cluster.Condition("bad", "Ready").Status, cluster.Condition("bad", "Ready").Reason));
        Assert.True(LeaseCluster.Leads(replica));

        // The other trigger keeps firing on the same leader, and is not degraded.
        var before = cluster.Function.Requests.Count(r => r.Header("event-topic") == "good");
        await Eventually.WaitUntilAsync(() => cluster.Function.Requests.Count(r => r.Header("event-topic") == "good") >= before + 2, "the good trigger fires on");
        Assert.Null(cluster.Condition("good", DegradedCondition.Type).Status);
        Assert.DoesNotContain(cluster.Function.Requests, r => r.Header("event-topic") == "bad");

        // A later tick is handled: Degraded=False (written within the rate limit's interval), Ready untouched.
        dispatcher.Throwing = false;
        await Eventually.WaitUntilAsync(() => cluster.Function.Requests.Any(r => r.Header("event-topic") == "bad"), "a later tick of bad is delivered");
        await Eventually.WaitUntilAsync(() => cluster.Condition("bad", DegradedCondition.Type) is ("False", ConditionReasons.Recovered, _), "the API server shows bad Degraded=False Recovered");
        Assert.Equal("True", cluster.Condition("bad", "Ready").Status);
    }
}
