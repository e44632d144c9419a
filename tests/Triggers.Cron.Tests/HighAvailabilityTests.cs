using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Resources;
using Triggers.Cron.Internal;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;
using Xunit.Abstractions;

namespace Triggers.Cron.Tests;

/// <summary>Three replicas against the fake Kubernetes API server, electing a leader on a Lease.</summary>
public sealed class HighAvailabilityTests(ITestOutputHelper output)
{
    private static bool Leads(CronWorker worker) => worker.Services.GetRequiredService<CronScheduler>().IsLeader;

    private static (string Namespace, string Kubeconfig) Seed(FakeKubernetesApiServer server, RecordingFunctionServer function)
    {
        var ns = "ha-" + Guid.NewGuid().ToString("N")[..8];
        var kubeconfig = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"kubeconfig-{ns}.yaml"), ns);
        server.Apply(FakeResourceType.Functions, new Function
        {
            Metadata = new V1ObjectMeta
            {
                Name = "ticker",
                NamespaceProperty = ns,
                Annotations = new Dictionary<string, string> { [Function.EndpointAnnotation] = function.Url.ToString() },
            },
            Spec = new FunctionSpec { Handler = "handler.run", Runtime = "python3.7" },
        });
        server.Apply(FakeResourceType.CronJobTriggers, new CronJobTrigger
        {
            Metadata = new V1ObjectMeta { Name = "every-second", NamespaceProperty = ns, Finalizers = ["kubeless.io/cronjobtrigger"] },
            // Allow: under Forbid a tick that comes due while a catch-up call still runs is skipped (and
            // counted), which is Forbid doing its job, not a failover loss; this test is about the failover.
            Spec = new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", StartingDeadlineSeconds = 60, ConcurrencyPolicy = "Allow" },
        });
        return (ns, kubeconfig);
    }

    private static Dictionary<string, string?> ReplicaSettings(string ns, string kubeconfig, int index) => new()
    {
        ["Triggers:Source"] = "Kubernetes",
        ["Triggers:Kubeconfig"] = kubeconfig,
        ["Triggers:AllowedEndpoints:0"] = "http://127.0.0.1:",
        ["Triggers:Namespace"] = ns,
        ["Cron:LeaseName"] = "cron-" + ns,
        ["Cron:LeaseNamespace"] = ns,
        ["Cron:Identity"] = $"replica-{index}",
        ["Cron:LeaseDuration"] = "00:00:03",
        ["Cron:RenewDeadline"] = "00:00:02",
        ["Cron:RetryPeriod"] = "00:00:00.500",
    };

    [Fact]
    public async Task Three_Replicas_Fire_Every_Tick_Exactly_Once_Across_A_Hard_Leader_Failover()
    {
        await using var server = await FakeKubernetesApiServer.StartNewAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
        var (ns, kubeconfig) = Seed(server, function);
        var replicas = new List<CronWorker>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas.Add(await CronWorker.StartAsync(ReplicaSettings(ns, kubeconfig, i)));
            }

            await function.WaitForRequestsAsync(3);
            await Eventually.WaitUntilAsync(() => replicas.Count(Leads) == 1, "exactly one replica leads");
            var leader = replicas.Single(Leads);

            // Kill between ticks, the moment a tick was delivered: a kill inside a tick's own few
            // milliseconds (status written, POST not yet sent) is the one window where a tick can be lost.
            var before = function.Count;
            await Eventually.WaitUntilAsync(() => function.Count > before, "a fresh tick was delivered");
            before = function.Count;
            await leader.KillAsync();
            replicas.Remove(leader);
            var killedAt = DateTimeOffset.UtcNow;

            await Eventually.WaitUntilAsync(() => replicas.Count(Leads) == 1, "another replica takes over");
            await Eventually.WaitUntilAsync(
                () => function.Requests.Any(r => Scheduled(r) > killedAt.AddSeconds(2) && r.Header(CronScheduler.LateHeader) is null),
                "the new leader fires on schedule again");

            // One snapshot for every assertion: the new leader goes on firing every second meanwhile.
            var requests = function.Requests.ToList();
            var ticks = requests.Select(Scheduled).Order().ToList();
            var seen = string.Join(", ", ticks.Select(t => t.ToString("HH:mm:ss", CultureInfo.InvariantCulture)));
            output.WriteLine($"{ticks.Count} ticks {ticks[0]:HH:mm:ss}..{ticks[^1]:HH:mm:ss}; leader killed at {killedAt:HH:mm:ss.fff}; " +
                $"late: {string.Join(", ", requests.Where(r => r.Header(CronScheduler.LateHeader) == "true").Select(r => Scheduled(r).ToString("HH:mm:ss", CultureInfo.InvariantCulture)))}");
            Assert.True(ticks.Count == ticks.Distinct().Count(), $"a tick fired twice: {seen}");
            Assert.Equal(ticks.Count, requests.Select(r => r.Header("event-id")).Distinct().Count());
            for (var i = 1; i < ticks.Count; i++)
            {
                Assert.True(ticks[i] - ticks[i - 1] == TimeSpan.FromSeconds(1), $"tick {ticks[i - 1]:O} is followed by {ticks[i]:O}: a tick was lost ({seen})");
            }

            Assert.True(requests.Count > before);
            Assert.True(requests.Any(r => r.Header(CronScheduler.LateHeader) == "true"), $"the ticks missed during the failover fire late ({seen})");
            var status = server.Get(FakeResourceType.CronJobTriggers, ns, "every-second")!["status"]!;
            Assert.NotNull(status["lastScheduleTime"]);
            Assert.NotNull(status["nextScheduleTime"]);
            Assert.NotNull(server.Get(FakeResourceType.Leases, ns, "cron-" + ns));
        }
        finally
        {
            foreach (var replica in replicas)
            {
                await replica.DisposeAsync();
            }

            File.Delete(kubeconfig);
        }
    }

    private static DateTimeOffset Scheduled(RecordedRequest request) =>
        DateTimeOffset.Parse(request.Header(CronScheduler.ScheduledTimeHeader)!, CultureInfo.InvariantCulture);
}
