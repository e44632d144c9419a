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
    [Fact]
    public async Task Three_Replicas_Fire_Every_Tick_Exactly_Once_Across_A_Hard_Leader_Failover()
    {
        await using var server = await FakeKubernetesApiServer.StartNewAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
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
            Spec = new CronJobTriggerSpec { FunctionName = "ticker", Schedule = "* * * * * *", StartingDeadlineSeconds = 60 },
        });

        var replicas = new List<CronWorker>();
        try
        {
            for (var i = 0; i < 3; i++)
            {
                replicas.Add(await CronWorker.StartAsync(new Dictionary<string, string?>
                {
                    ["Triggers:Source"] = "Kubernetes",
                    ["Triggers:Kubeconfig"] = kubeconfig,
                    ["Triggers:Namespace"] = ns,
                    ["Cron:LeaseName"] = "cron-" + ns,
                    ["Cron:LeaseNamespace"] = ns,
                    ["Cron:Identity"] = $"replica-{i}",
                    ["Cron:LeaseDuration"] = "00:00:03",
                    ["Cron:RenewDeadline"] = "00:00:02",
                    ["Cron:RetryPeriod"] = "00:00:00.500",
                }));
            }

            static bool Leads(CronWorker w) => w.Services.GetRequiredService<CronScheduler>().IsLeader;
            await function.WaitForRequestsAsync(3);
            await Eventually.WaitUntilAsync(() => replicas.Count(Leads) == 1, "exactly one replica leads");
            var leader = replicas.Single(Leads);
            var before = function.Count;

            await leader.KillAsync();
            replicas.Remove(leader);
            var killedAt = DateTimeOffset.UtcNow;

            await Eventually.WaitUntilAsync(() => replicas.Count(Leads) == 1, "another replica takes over");
            await Eventually.WaitUntilAsync(
                () => function.Requests.Any(r => Scheduled(r) > killedAt.AddSeconds(2) && r.Header(CronScheduler.LateHeader) is null),
                "the new leader fires on schedule again");

            var ticks = function.Requests.Select(Scheduled).Order().ToList();
            output.WriteLine($"{ticks.Count} ticks {ticks[0]:HH:mm:ss}..{ticks[^1]:HH:mm:ss}; leader killed at {killedAt:HH:mm:ss.fff}; " +
                $"late: {string.Join(", ", function.Requests.Where(r => r.Header(CronScheduler.LateHeader) == "true").Select(r => Scheduled(r).ToString("HH:mm:ss", CultureInfo.InvariantCulture)))}");
            Assert.Equal(ticks.Count, ticks.Distinct().Count());
            for (var i = 1; i < ticks.Count; i++)
            {
                Assert.True(ticks[i] - ticks[i - 1] == TimeSpan.FromSeconds(1), $"tick {ticks[i - 1]:O} is followed by {ticks[i]:O}: a tick was lost");
            }

            Assert.True(function.Count > before);
            Assert.Contains(function.Requests, r => r.Header(CronScheduler.LateHeader) == "true");
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
