using Triggers.Core.Sources;
using Triggers.Cron;
using Triggers.Kafka;
using Triggers.Kafka.Embedded;
using Triggers.Nats;
using Triggers.Nats.Embedded;

namespace Triggers.Dev.Internal;

/// <summary>
/// The NATS, Kafka and cron workers in one process over one manifests folder, with embedded
/// brokers unless told to use real ones: a nats-server child process and librdkafka's mock cluster.
/// </summary>
internal sealed class LocalRunner : IAsyncDisposable
{
    private readonly List<IAsyncDisposable> _owned = [];
    private string? _sessionPath;

    private LocalRunner()
    {
    }

    public string NatsUrl { get; private set; } = "";

    public string KafkaBootstrap { get; private set; } = "";

    public bool EmbeddedNats { get; private set; }

    public int? NatsServerProcessId { get; private set; }

    public bool EmbeddedKafka { get; private set; }

    public KafkaMockCluster? KafkaCluster { get; private set; }

    public IReadOnlyList<HostedWorker> Workers { get; private set; } = [];

    /// <summary>The bearer token of the cron worker's run endpoint (<c>triggers-dev fire</c> reads it from the session file).</summary>
    public string CronRunToken { get; } = Convert.ToHexString(System.Security.Cryptography.RandomNumberGenerator.GetBytes(16));

    public HostedWorker Worker(string name) => Workers.Single(w => w.Name == name);

    public static async Task<LocalRunner> StartAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        var runner = new LocalRunner();
        try
        {
            await runner.StartCoreAsync(settings, cancellationToken).ConfigureAwait(false);
            return runner;
        }
        catch
        {
            await runner.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>True once every worker finished its first sync and runs every valid trigger.</summary>
    public bool AllReady => Workers.All(w => w.State.IsReady);

    public async ValueTask DisposeAsync()
    {
        for (var i = _owned.Count - 1; i >= 0; i--)
        {
            try
            {
                await _owned[i].DisposeAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or IOException)
            {
                // Shutting down: one part failing to stop must not keep the others running.
            }
        }

        _owned.Clear();
        if (_sessionPath is not null)
        {
            Session.Delete(_sessionPath);
        }
    }

    private async Task StartCoreAsync(RunSettings settings, CancellationToken cancellationToken)
    {
        var manifests = Path.GetFullPath(settings.ManifestsPath);
        if (!Directory.Exists(manifests))
        {
            throw new InvalidOperationException($"manifests folder '{settings.ManifestsPath}' does not exist");
        }

        if (settings.NatsUrl is { Length: > 0 } nats)
        {
            NatsUrl = nats;
        }
        else
        {
            var server = await NatsServerProcess.StartAsync(cancellationToken).ConfigureAwait(false);
            _owned.Add(server);
            NatsUrl = server.Url;
            EmbeddedNats = true;
            NatsServerProcessId = server.ProcessId;
        }

        if (settings.KafkaBootstrap is { Length: > 0 } kafka)
        {
            KafkaBootstrap = kafka;
        }
        else
        {
            var cluster = KafkaMockCluster.Start(brokers: 1);
            _owned.Add(new DisposeAdapter(cluster.Dispose));
            KafkaCluster = cluster;
            KafkaBootstrap = cluster.BootstrapServers;
            EmbeddedKafka = true;
            CreateExampleTopics(cluster, manifests);
        }

        var state = settings.StatePath ?? DefaultStatePath(manifests);
        string[] common =
        [
            "--urls=http://127.0.0.1:0",
            "--Triggers:Source=Manifests",
            $"--Triggers:ManifestsPath={manifests}",
            $"--Logging:LogLevel:Default={(settings.Verbose ? "Information" : "Warning")}",
            "--Logging:LogLevel:Microsoft.AspNetCore=Warning",
            "--Logging:LogLevel:System.Net.Http=Warning",
            "--Logging:LogLevel:Microsoft.Extensions.Http=Warning",
        ];
        var workers = new List<HostedWorker>
        {
            new("nats", NatsWorkerHost.Build(NatsWorkerHost.CreateBuilder([.. common, $"--Nats:Url={NatsUrl}"]))),
            new("kafka", KafkaWorkerHost.Build(KafkaWorkerHost.CreateBuilder([.. common, $"--Kafka:BootstrapServers={KafkaBootstrap}"]))),
            new("cron", CronWorkerHost.Build(CronWorkerHost.CreateBuilder([.. common, $"--Triggers:StatePath={state}", "--Cron:EnableRunEndpoint=true", $"--Cron:RunEndpointToken={CronRunToken}"]))),
        };
        foreach (var worker in workers)
        {
            await worker.App.StartAsync(cancellationToken).ConfigureAwait(false);
            _owned.Add(new StopThenDispose(worker.App));
        }

        Workers = workers;
        _sessionPath = settings.SessionPath;
        new Session(NatsUrl, KafkaBootstrap, Worker("nats").Address.ToString(), Worker("kafka").Address.ToString(), Worker("cron").Address.ToString(), Environment.ProcessId, NatsServerProcessId, CronRunToken)
            .Save(settings.SessionPath);
    }

    /// <summary>
    /// Cron state of one manifests folder: a run over another folder (another clone, another
    /// project) never reports this folder's ticks as missed, nor the other way round.
    /// </summary>
    internal static string DefaultStatePath(string manifestsFullPath)
    {
        var hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(manifestsFullPath)))[..16];
        return Path.Combine(Path.GetTempPath(), "triggers-dev-state", hash, "cron-state.json");
    }

    /// <summary>The mock cluster creates topics on demand with one partition; give the example topics a few.</summary>
    private static void CreateExampleTopics(KafkaMockCluster cluster, string manifests)
    {
        var loaded = ManifestLoader.LoadFolder(manifests, "default");
        foreach (var trigger in loaded.Resources.Select(r => r.Resource).OfType<Core.Resources.KafkaTrigger>())
        {
            foreach (var topic in (trigger.Spec.Topics ?? []).Append(trigger.Spec.Topic).OfType<string>().Where(t => t.Length > 0).Distinct())
            {
                cluster.CreateTopic(topic, partitions: 3);
            }
        }
    }

    /// <summary>
    /// Stops a worker (drains, closes its broker connections) before disposing it: disposing alone
    /// skipped the stop, so the NATS client was still writing when nats-server went away and
    /// logged a broken pipe with its stack trace after the summary.
    /// </summary>
    private sealed class StopThenDispose(WebApplication app) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            try
            {
                await app.StopAsync(CancellationToken.None).ConfigureAwait(false);
            }
            finally
            {
                await app.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private sealed class DisposeAdapter(Action dispose) : IAsyncDisposable
    {
        public ValueTask DisposeAsync()
        {
            dispose();
            return ValueTask.CompletedTask;
        }
    }
}
