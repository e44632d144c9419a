using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;
using Triggers.Core.Reconcile;
using Triggers.Kafka.Internal;

namespace Triggers.Kafka;

/// <summary>
/// The running Kafka consumers, one per (trigger, function) pair: what the reconciler starts,
/// replaces and stops. Also the source of the worker's connectivity and consumer-lag metric.
/// </summary>
public sealed class KafkaSubscriptionSet : ISubscriptionSet<KafkaSubscriptionPlan>, IAsyncDisposable
{
    public const string LagInstrument = "triggers.kafka.consumer_lag";
    public const string BufferedInstrument = "triggers.kafka.buffered";
    public const string BufferedBytesInstrument = "triggers.kafka.buffered_bytes";
    public const string AbandonedInstrument = "triggers.kafka.abandoned";

    private readonly Dictionary<string, KafkaConsumerRunner> _running = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly DeadLetterWriter _deadLetters;
    private readonly Lazy<ConsumerServices> _services;
    private readonly ConsumerConfigCheck _configCheck = new();
    private readonly MetricSeriesLimit _seriesLimit;
    private volatile KafkaConsumerRunner[] _snapshot = [];
    private int _disposed;

    public KafkaSubscriptionSet(
        IOptions<KafkaOptions> options,
        IEventDispatcher dispatcher,
        DeliveryOutcomeRule outcomes,
        TriggerMetrics metrics,
        MetricSeriesLimit seriesLimit,
        TriggerHealthReporter health,
        TimeProvider time,
        ILoggerFactory loggers)
    {
        _seriesLimit = seriesLimit;
        _deadLetters = new DeadLetterWriter(options, loggers.CreateLogger<DeadLetterWriter>());
        var abandoned = metrics.Meter.CreateCounter<long>(AbandonedInstrument, "{record}", "In-flight POSTs cancelled because the grace period of a partition being given up (revoke, edit, stop) ran out; their records are delivered again.");
        metrics.Meter.CreateObservableGauge(LagInstrument, ObserveLag, "{record}", "Records in the partition not yet committed by the (trigger, function) consumer group.");
        metrics.Meter.CreateObservableGauge(BufferedInstrument, ObserveBuffered, "{record}", "Records received and not yet settled, held in memory by the (trigger, function) consumer.");
        metrics.Meter.CreateObservableGauge(BufferedBytesInstrument, ObserveBufferedBytes, "By", "Bytes of the records received and not yet settled, held in memory by the (trigger, function) consumer.");

        // Options are read when the first consumer starts: they are validated at host start, after construction.
        _services = new(() => new ConsumerServices(options.Value, dispatcher, outcomes, _deadLetters, metrics, abandoned, health, time, loggers.CreateLogger("Triggers.Kafka.Consumer")));
    }

    /// <summary>Keys of the running consumers (<c>namespace/trigger/function</c>).</summary>
    public IReadOnlyCollection<string> Keys => [.. _snapshot.Select(r => r.Plan.Key)];

    /// <summary>Consumers that cannot reach any broker right now, with the reason.</summary>
    public IReadOnlyList<(string Key, string Detail)> Disconnected =>
        [.. _snapshot.Where(r => !r.IsConnected).Select(r => (r.Plan.Key, r.Connectivity))];

    public int Count => _snapshot.Length;

    internal IReadOnlyList<KafkaConsumerRunner> Runners => _snapshot;

    /// <summary>How many throwaway consumers were built to check configurations (one per distinct configuration that librdkafka accepted).</summary>
    internal int ConfigChecks => _configCheck.Builds;

    public async Task UpsertAsync(KafkaSubscriptionPlan plan, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running.Remove(plan.Key, out var old))
            {
                Publish();
                await old.DisposeAsync().ConfigureAwait(false);
            }

            var services = _services.Value;
            _configCheck.Check(plan, services.Options, services.Logger);
            var runner = new KafkaConsumerRunner(plan, services);
            runner.Start();
            _running[plan.Key] = runner;
            Publish();
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAsync(string key, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_running.Remove(key, out var runner))
            {
                Publish();
                await runner.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async Task RemoveAllAsync(CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var runners = _running.Values.ToList();
            _running.Clear();
            Publish();
            // Consumers leave their groups in parallel so that shutdown takes one grace period, not one per consumer.
            await Task.WhenAll(runners.Select(r => r.StopAsync(cancellationToken))).ConfigureAwait(false);
            foreach (var runner in runners)
            {
                await runner.DisposeAsync().ConfigureAwait(false);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        // Registered under two service types, so the container disposes it twice.
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }

        await RemoveAllAsync(CancellationToken.None).ConfigureAwait(false);
        _deadLetters.Dispose();
        _gate.Dispose();
    }

    /// <summary>The function as every worker's metrics name it: <c>namespace/name</c>.</summary>
    private static string FunctionTag(KafkaSubscriptionPlan plan) => $"{plan.Function.Namespace}/{plan.Function.Name}";

    private void Publish() => _snapshot = [.. _running.Values];

    private IEnumerable<System.Diagnostics.Metrics.Measurement<int>> ObserveBuffered() =>
        _snapshot.Select(r => new System.Diagnostics.Metrics.Measurement<int>(r.Buffered, [new("trigger", r.Plan.Trigger.ToString()), new("function", FunctionTag(r.Plan))]));

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ObserveBufferedBytes() =>
        _snapshot.Select(r => new System.Diagnostics.Metrics.Measurement<long>(r.BufferedBytes, [new("trigger", r.Plan.Trigger.ToString()), new("function", FunctionTag(r.Plan))]));

    private IEnumerable<System.Diagnostics.Metrics.Measurement<long>> ObserveLag()
    {
        var series = 0;
        foreach (var runner in _snapshot)
        {
            foreach (var lag in runner.Lag)
            {
                series++;
                yield return new(lag.Lag, [
                    new("trigger", runner.Plan.Trigger.ToString()),
                    new("function", FunctionTag(runner.Plan)),
                    new("group", runner.Plan.GroupId),
                    new("topic", lag.Topic),
                    new("partition", lag.Partition),
                ]);
            }
        }

        _seriesLimit.Observed(LagInstrument, series);
    }
}
