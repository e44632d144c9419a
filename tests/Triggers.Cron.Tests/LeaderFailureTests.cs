using System.Globalization;
using System.Text.Json.Nodes;
using Triggers.Core.Resources;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Cron.Tests;

/// <summary>What the elected leader does when its Lease is taken, and when one trigger's spec is out of range.</summary>
public sealed class LeaderFailureTests
{
    [Fact]
    public async Task A_Lease_Taken_By_Another_Holder_Stops_The_Leader_Firing()
    {
        await using var cluster = await LeaseCluster.StartAsync();
        cluster.Apply("every-second", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", ConcurrencyPolicy = "Allow" });
        var replica = await cluster.StartReplicaAsync();
        await cluster.Function.WaitForRequestsAsync(2);
        Assert.True(LeaseCluster.Leads(replica));

        var lease = cluster.Server.Get(FakeResourceType.Leases, cluster.Namespace, cluster.LeaseName)!;
        lease["spec"]!["holderIdentity"] = "intruder";
        lease["spec"]!["leaseDurationSeconds"] = 3600;
        lease["spec"]!["renewTime"] = DateTime.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss.ffffff'Z'", CultureInfo.InvariantCulture);
        cluster.Server.Apply(FakeResourceType.Leases, lease);

        await Eventually.WaitUntilAsync(() => !LeaseCluster.Leads(replica), "the replica notices it lost the lease");
        var lostAt = DateTimeOffset.UtcNow;

        // Three more ticks come due; none may fire here (the intruder leads now).
        await Eventually.WaitUntilAsync(() => DateTimeOffset.UtcNow > lostAt.AddSeconds(3), "three ticks pass");
        Assert.DoesNotContain(cluster.Function.Requests, r => r.ReceivedAt > lostAt.AddMilliseconds(200));
        Assert.Equal("intruder", cluster.LeaseHolder());
    }

    [Fact]
    public async Task An_Out_Of_Range_Starting_Deadline_Or_Timeout_Fails_Its_Own_Trigger_While_The_Good_One_Fires_On()
    {
        await using var cluster = await LeaseCluster.StartAsync();
        cluster.Apply("bad", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", StartingDeadlineSeconds = 100_000_000_000 });
        cluster.Apply("slow", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", Delivery = new DeliverySpec { Timeout = "100000h" } });
        cluster.Apply("good", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", StartingDeadlineSeconds = 60 });
        var replica = await cluster.StartReplicaAsync();

        await Eventually.WaitUntilAsync(() => cluster.Function.Requests.Count(r => r.Header("event-topic") == "good") >= 3, "the good trigger fires every second");
        await Eventually.WaitUntilAsync(() => Ready(cluster, "bad") is { } c && (string?)c["status"] == "False", "the bad trigger is Ready=False");

        var condition = Ready(cluster, "bad")!;
        Assert.Equal("InvalidSpec", (string?)condition["reason"]);
        Assert.Contains("spec.startingDeadlineSeconds", (string?)condition["message"], StringComparison.Ordinal);
        Assert.Equal("True", (string?)Ready(cluster, "good")!["status"]);
        await Eventually.WaitUntilAsync(() => Ready(cluster, "slow") is { } c && (string?)c["status"] == "False", "the trigger with a 100000h timeout is Ready=False");
        Assert.Contains("spec.delivery.timeout", (string?)Ready(cluster, "slow")!["message"], StringComparison.Ordinal);
        Assert.DoesNotContain(cluster.Function.Requests, r => r.Header("event-topic") is "bad" or "slow");
        Assert.True(LeaseCluster.Leads(replica));

        // The leader goes on: a trigger added now is scheduled too.
        var before = cluster.Function.Requests.Count(r => r.Header("event-topic") == "later");
        cluster.Apply("later", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *" });
        await Eventually.WaitUntilAsync(() => cluster.Function.Requests.Count(r => r.Header("event-topic") == "later") > before, "a trigger added later fires");
        Assert.Equal(200, await replica.GetReadyStatusAsync());
    }

    private static JsonNode? Ready(LeaseCluster cluster, string name) =>
        cluster.Server.Get(FakeResourceType.CronJobTriggers, cluster.Namespace, name)?["status"]?["conditions"]?.AsArray()
            .FirstOrDefault(c => (string?)c?["type"] == "Ready");
}
