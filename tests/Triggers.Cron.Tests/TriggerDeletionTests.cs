using k8s;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Resources;
using Triggers.Cron.Internal;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Cron.Tests;

/// <summary>CronJobTriggers deleted by their owner, in Kubernetes mode with leader election against the fake API server.</summary>
public sealed class TriggerDeletionTests
{
    private const string Keep = "example.com/keep";
    private static readonly TimeSpan StopsWithin = TimeSpan.FromSeconds(5);

    [Fact]
    public async Task Deleted_Trigger_Stops_Firing_Within_5s_And_Only_The_Kubeless_Finalizer_Goes()
    {
        await using var cluster = await LeaseCluster.StartAsync();
        var everySecond = new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", ConcurrencyPolicy = "Allow" };
        cluster.Apply("shared", everySecond, Keep);
        cluster.Apply("ours", everySecond);
        cluster.Apply("kept", everySecond);
        var replica = await cluster.StartReplicaAsync();
        await Eventually.WaitUntilAsync(() => new[] { "shared", "ours", "kept" }.All(t => cluster.Function.Requests.Any(r => r.Header("event-topic") == t)), "every trigger fires");

        using var kube = cluster.Server.CreateClient();
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", cluster.Namespace, CronJobTrigger.Plural, "shared");
        await kube.CustomObjects.DeleteNamespacedCustomObjectAsync("kubeless.io", "v1beta1", cluster.Namespace, CronJobTrigger.Plural, "ours");

        var scheduler = replica.Services.GetRequiredService<CronScheduler>();
        await Eventually.WaitUntilAsync(
            () => scheduler.Keys.All(k => !k.StartsWith($"{cluster.Namespace}/shared/", StringComparison.Ordinal) && !k.StartsWith($"{cluster.Namespace}/ours/", StringComparison.Ordinal)),
            "the deleted triggers are unscheduled",
            StopsWithin);
        var stoppedAt = DateTimeOffset.UtcNow;
        await Eventually.WaitUntilAsync(() => Finalizers(cluster, "shared") == $"""["{Keep}"]""", "the Kubeless finalizer goes and the foreign one stays");
        await Eventually.WaitUntilAsync(() => cluster.Server.Get(FakeResourceType.CronJobTriggers, cluster.Namespace, "ours") is null, "the trigger with only the Kubeless finalizer disappears");

        // The kept trigger fires on; the deleted ones never again.
        await Eventually.WaitUntilAsync(() => cluster.Function.Requests.Count(r => r.Header("event-topic") == "kept" && r.ReceivedAt > stoppedAt.AddSeconds(1)) >= 2, "the kept trigger still fires");
        Assert.DoesNotContain(cluster.Function.Requests, r => r.Header("event-topic") is "shared" or "ours" && r.ReceivedAt > stoppedAt.AddMilliseconds(200));
        Assert.Equal(KubelessFinalizers.CronJobTrigger, (string?)cluster.Server.Get(FakeResourceType.CronJobTriggers, cluster.Namespace, "kept")!["metadata"]!["finalizers"]![0]);
    }

    private static string? Finalizers(LeaseCluster cluster, string name) =>
        cluster.Server.Get(FakeResourceType.CronJobTriggers, cluster.Namespace, name)?["metadata"]?["finalizers"]?.ToJsonString();
}
