using System.Globalization;
using System.Text.RegularExpressions;
using Triggers.Core.Resources;
using Triggers.Cron.Internal;
using Triggers.Testing;
using Xunit.Abstractions;

namespace Triggers.Cron.Tests;

/// <summary>Three replicas against the fake Kubernetes API server, a 2-second schedule, the leader killed or stopped.</summary>
public sealed partial class HighAvailabilityTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(2);

    [Fact]
    public async Task Three_Replicas_Fire_Each_Tick_At_Most_Once_Across_A_Killed_Leader_With_One_Late_Fire_And_The_Rest_Counted()
    {
        await using var cluster = await LeaseCluster.StartAsync();
        var leader = await StartThreeFiringEveryTwoSecondsAsync(cluster);

        // Kill between ticks, the moment a tick was delivered: a kill inside a tick's own few
        // milliseconds (status written, POST not yet sent) is the one window where a tick can be lost.
        var before = cluster.Function.Count;
        await Eventually.WaitUntilAsync(() => cluster.Function.Count > before, "a fresh tick was delivered");
        await leader.KillAsync();
        cluster.Replicas.Remove(leader);
        var killedAt = DateTimeOffset.UtcNow;

        var successor = await cluster.WaitForOneLeaderAsync();
        await Eventually.WaitUntilAsync(
            () => cluster.Function.Requests.Any(r => LeaseCluster.Scheduled(r) > killedAt + (2 * Period) && r.Header(CronHeaders.Late) is null),
            "the new leader fires on schedule again");

        var requests = cluster.Function.Requests.ToList();
        var ticks = Describe(requests, $"leader killed at {killedAt:HH:mm:ss.fff}");
        AssertNoTickTwice(requests, ticks);
        Assert.True(requests.Count(r => r.Header(CronHeaders.Late) == "true") <= 1, "at most one late fire per failover");

        // Every tick between the first and the last is either fired or counted as missed by the new leader.
        var absent = ticks.Zip(ticks.Skip(1), (a, b) => (int)((b - a) / Period) - 1).Sum();
        var misses = await MissesAsync(successor);
        Assert.True(absent == misses, $"{absent} tick(s) absent from the sequence, {misses} counted in triggers.cron.misses");
        Assert.NotNull(cluster.Server.Get(Testing.FakeKubernetes.FakeResourceType.CronJobTriggers, cluster.Namespace, "every-2s")!["status"]!["lastScheduleTime"]);
    }

    [Fact]
    public async Task Three_Replicas_Hand_Over_On_A_Graceful_Stop_Of_The_Leader_Without_A_Gap_Over_Two_Periods()
    {
        await using var cluster = await LeaseCluster.StartAsync();
        var leader = await StartThreeFiringEveryTwoSecondsAsync(cluster);

        // SIGTERM: the host's graceful stop, as in a rolling update.
        var identity = $"replica-{cluster.Replicas.IndexOf(leader)}";
        var stoppedAt = DateTimeOffset.UtcNow;
        cluster.Replicas.Remove(leader);
        await leader.DisposeAsync();
        Assert.NotEqual(identity, cluster.LeaseHolder());

        await cluster.WaitForOneLeaderAsync();
        await Eventually.WaitUntilAsync(
            () => cluster.Function.Requests.Count(r => LeaseCluster.Scheduled(r) > stoppedAt) >= 3,
            "the new leader fires three ticks after the stop");

        var requests = cluster.Function.Requests.ToList();
        var ticks = Describe(requests, $"leader stopped at {stoppedAt:HH:mm:ss.fff}");
        AssertNoTickTwice(requests, ticks);
        var fires = requests.Select(r => r.ReceivedAt).Order().ToList();
        for (var i = 1; i < fires.Count; i++)
        {
            Assert.True(fires[i] - fires[i - 1] <= 2 * Period, $"no fire between {fires[i - 1]:HH:mm:ss.fff} and {fires[i]:HH:mm:ss.fff}");
        }

        for (var i = 1; i < ticks.Count; i++)
        {
            Assert.True(ticks[i] - ticks[i - 1] == Period, $"tick {ticks[i - 1]:O} is followed by {ticks[i]:O}: a tick was lost in the hand-over");
        }
    }

    /// <summary>Three replicas, a trigger every two seconds that has fired twice; returns the leader.</summary>
    private static async Task<CronWorker> StartThreeFiringEveryTwoSecondsAsync(LeaseCluster cluster)
    {
        // Allow: under Forbid a tick that comes due while a catch-up call still runs is skipped (and
        // counted), which is Forbid doing its job, not a failover loss; these tests are about the failover.
        cluster.Apply("every-2s", new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "*/2 * * * * *", StartingDeadlineSeconds = 60, ConcurrencyPolicy = "Allow" });
        for (var i = 0; i < 3; i++)
        {
            await cluster.StartReplicaAsync();
        }

        await cluster.Function.WaitForRequestsAsync(2);
        return await cluster.WaitForOneLeaderAsync();
    }

    private static async Task<int> MissesAsync(CronWorker worker)
    {
        var metrics = await worker.GetMetricsAsync();
        return MissesLine().Matches(metrics).Sum(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture));
    }

    private static void AssertNoTickTwice(List<RecordedRequest> requests, List<DateTimeOffset> ticks)
    {
        Assert.True(ticks.Count == ticks.Distinct().Count(), "a tick fired twice");
        Assert.Equal(requests.Count, requests.Select(r => r.Header("event-id")).Distinct().Count());
    }

    private List<DateTimeOffset> Describe(List<RecordedRequest> requests, string what)
    {
        var ticks = requests.Select(LeaseCluster.Scheduled).Order().ToList();
        var late = requests.Where(r => r.Header(CronHeaders.Late) == "true").Select(r => LeaseCluster.Scheduled(r).ToString("HH:mm:ss", CultureInfo.InvariantCulture));
        output.WriteLine($"{ticks.Count} ticks: {string.Join(", ", ticks.Select(t => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture)))}; {what}; late: {string.Join(", ", late)}");
        return ticks;
    }

    [GeneratedRegex(@"triggers_cron_misses_total\{[^}]*trigger=""[^""/]+/every-2s""[^}]*\} (\d+)")]
    private static partial Regex MissesLine();
}
