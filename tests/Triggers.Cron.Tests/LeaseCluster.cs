using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.DependencyInjection;
using Triggers.Core.Resources;
using Triggers.Cron.Internal;
using Triggers.Testing;
using Triggers.Testing.FakeKubernetes;

namespace Triggers.Cron.Tests;

/// <summary>
/// Cron workers in Kubernetes mode against one fake API server, in a namespace of their own,
/// electing a leader on a Lease with short timings (3 s lease, 2 s renew deadline, 0.5 s retry).
/// </summary>
internal sealed class LeaseCluster : IAsyncDisposable
{
    private readonly string _kubeconfig;

    private LeaseCluster(FakeKubernetesApiServer server, RecordingFunctionServer function, string ns, string kubeconfig)
    {
        Server = server;
        Function = function;
        Namespace = ns;
        _kubeconfig = kubeconfig;
    }

    public FakeKubernetesApiServer Server { get; }

    public RecordingFunctionServer Function { get; }

    public string Namespace { get; }

    public string LeaseName => "cron-" + Namespace;

    public List<CronWorker> Replicas { get; } = [];

    public static async Task<LeaseCluster> StartAsync()
    {
        var server = await FakeKubernetesApiServer.StartNewAsync();
        var function = await RecordingFunctionServer.StartAsync();
        var ns = "ha-" + Guid.NewGuid().ToString("N")[..8];
        var kubeconfig = server.WriteKubeconfig(Path.Combine(Path.GetTempPath(), $"kubeconfig-{ns}.yaml"), ns);
        server.Apply(FakeResourceType.Functions, new Function
        {
            Metadata = new V1ObjectMeta
            {
                Name = "ticker",
                NamespaceProperty = ns,
                Annotations = new Dictionary<string, string> { [Core.Resources.Function.EndpointAnnotation] = function.Url.ToString() },
            },
            Spec = new FunctionSpec { Handler = "handler.run", Runtime = "python3.7" },
        });
        return new LeaseCluster(server, function, ns, kubeconfig);
    }

    public static bool Leads(CronWorker worker) => worker.Services.GetRequiredService<CronScheduler>().IsLeader;

    public static DateTimeOffset Scheduled(RecordedRequest request) =>
        DateTimeOffset.Parse(request.Header(CronHeaders.ScheduledTime)!, CultureInfo.InvariantCulture);

    /// <summary>Applies a CronJobTrigger carrying the Kubeless finalizer, plus <paramref name="otherFinalizers"/>.</summary>
    public void Apply(string name, CronJobTriggerSpec spec, params string[] otherFinalizers) => Server.Apply(FakeResourceType.CronJobTriggers, new CronJobTrigger
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = Namespace, Finalizers = [KubelessFinalizers.CronJobTrigger, .. otherFinalizers] },
        Spec = spec,
    });

    public async Task<CronWorker> StartReplicaAsync(Action<IServiceCollection>? configureServices = null)
    {
        var index = Replicas.Count;
        var replica = await CronWorker.StartAsync(new Dictionary<string, string?>
        {
            ["Triggers:Source"] = "Kubernetes",
            ["Triggers:Kubeconfig"] = _kubeconfig,
            ["Triggers:AllowedEndpoints:0"] = "http://127.0.0.1:",
            ["Triggers:Namespace"] = Namespace,
            ["Cron:LeaseName"] = LeaseName,
            ["Cron:LeaseNamespace"] = Namespace,
            ["Cron:Identity"] = $"replica-{index}",
            ["Cron:LeaseDuration"] = "00:00:03",
            ["Cron:RenewDeadline"] = "00:00:02",
            ["Cron:RetryPeriod"] = "00:00:00.500",
        }, configureServices);
        Replicas.Add(replica);
        return replica;
    }

    public async Task<CronWorker> WaitForOneLeaderAsync()
    {
        await Eventually.WaitUntilAsync(() => Replicas.Count(Leads) == 1, "exactly one replica leads");
        return Replicas.Single(Leads);
    }

    /// <summary>One condition of a trigger as the API server holds it: status, reason, message (all null when it has none).</summary>
    public (string? Status, string? Reason, string? Message) Condition(string name, string type)
    {
        var condition = Server.Get(FakeResourceType.CronJobTriggers, Namespace, name)?["status"]?["conditions"]?.AsArray().FirstOrDefault(c => (string?)c?["type"] == type);
        return ((string?)condition?["status"], (string?)condition?["reason"], (string?)condition?["message"]);
    }

    public string? LeaseHolder() => (string?)Server.Get(FakeResourceType.Leases, Namespace, LeaseName)?["spec"]?["holderIdentity"];

    public async ValueTask DisposeAsync()
    {
        foreach (var replica in Replicas)
        {
            await replica.DisposeAsync();
        }

        await Function.DisposeAsync();
        await Server.DisposeAsync();
        File.Delete(_kubeconfig);
    }
}
