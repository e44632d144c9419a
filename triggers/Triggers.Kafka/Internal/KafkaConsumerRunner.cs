using System.Diagnostics;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Reconcile;

namespace Triggers.Kafka.Internal;

/// <summary>
/// One (trigger, function) consumer: the consumer loop. A dedicated thread owns the librdkafka
/// consumer: it polls and hands records to <see cref="AssignedPartitions"/>, which feeds the
/// <see cref="PartitionDispatcher"/>; the <see cref="RecordSettler"/> reports settled records back
/// through <see cref="SettledRecords"/>. Stopping (worker stop, trigger edit or removal) takes no new
/// record at once, lets in-flight POSTs finish within <see cref="KafkaOptions.RevokeGracePeriod"/>,
/// commits their offsets, and only then cancels what is left. A failure of the consumer rebuilds it
/// with backoff; it never ends the process.
/// </summary>
internal sealed class KafkaConsumerRunner : IAsyncDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan MaxIdlePollTimeout = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(20);

    private readonly KafkaSubscriptionPlan _plan;
    private readonly KafkaOptions _options;
    private readonly ILogger _logger;
    private readonly SettledRecords _settled = new();
    private readonly AssignedPartitions _partitions;
    private readonly ConsumerHealth _health;
    private readonly SubscriptionHealth _handling;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly Thread _thread;
    private readonly TimeSpan _idlePollTimeout;
    private volatile Error? _fatal;
    private volatile bool _started;

    public KafkaConsumerRunner(KafkaSubscriptionPlan plan, ConsumerServices services)
    {
        _plan = plan;
        _options = services.Options;
        _logger = services.Logger;
        _health = new ConsumerHealth(statistics: _options.StatisticsEnabled, lagInterval: _options.CommitInterval, services.Time);
        var settler = new RecordSettler(plan, services, _settled);
        _handling = settler.Health;
        var dispatch = new PartitionDispatcher(plan, _options.MaxUncommittedPerPartition, settler, _logger);
        _partitions = new AssignedPartitions(plan, _options, dispatch, _settled, services.Time, _logger);
        _thread = new Thread(Run) { IsBackground = true, Name = "kafka " + plan.Key };
        _idlePollTimeout = TimeSpan.FromTicks(Math.Clamp(_options.CommitInterval.Ticks, PollTimeout.Ticks, MaxIdlePollTimeout.Ticks));
    }

    public KafkaSubscriptionPlan Plan => _plan;

    /// <summary>True while the consumer reaches at least one broker.</summary>
    public bool IsConnected => _health.IsConnected;

    public string Connectivity => _health.Connectivity;

    public IReadOnlyList<PartitionLag> Lag => _health.Lag;

    /// <summary>Records received and not yet settled, over all assigned partitions (refreshed by the consumer thread).</summary>
    public int Buffered => _partitions.Gauge.Buffered;

    /// <summary>Bytes of the records received and not yet settled.</summary>
    public long BufferedBytes => _partitions.Gauge.Bytes;

    /// <summary>The most records one partition ever held at once: what the memory bound is checked against.</summary>
    public int PeakBufferedPerPartition => _partitions.Gauge.PeakPerPartition;

    /// <summary>The most bytes the consumer ever held at once.</summary>
    public long PeakBufferedBytes => _partitions.Gauge.PeakBytes;

    /// <summary>Starts the consumer thread (<see cref="ConsumerConfigCheck"/> checked the configuration before).</summary>
    public void Start()
    {
        _thread.Start();
        _started = true;
    }

    /// <summary>Gives up every partition (in-flight work finishes within the grace period), commits and leaves the group.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_started)
        {
            await _exited.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Stops, waiting at most the grace period plus a margin for the commit and leave. A consumer
    /// stuck beyond that (brokers unreachable) is left to its background thread rather than
    /// hanging the caller. Nothing the thread may still touch is disposed.
    /// </summary>
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        if (_started)
        {
            try
            {
                await _exited.Task.WaitAsync(_options.RevokeGracePeriod + StopMargin).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                Log.StopTimedOut(_logger, _plan.Key);
            }
        }
    }

    private IConsumer<byte[], byte[]> BuildConsumer() =>
        new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(_options, _plan, _logger))
            .SetLogHandler((_, m) => KafkaClients.LogLibrary(_logger, m))
            .SetErrorHandler((_, e) => OnError(e))
            .SetStatisticsHandler((_, json) => _health.OnStatistics(json))
            .SetPartitionsAssignedHandler((_, partitions) =>
            {
                _health.MarkConnected();
                _partitions.Assign(partitions);
            })
            .SetPartitionsRevokedHandler((c, partitions) => _partitions.GiveUp(c, partitions.Select(p => p.TopicPartition), commit: true, _options.RevokeGracePeriod, "revoked"))
            .SetPartitionsLostHandler((c, partitions) => _partitions.GiveUp(c, partitions.Select(p => p.TopicPartition), commit: false, TimeSpan.Zero, "lost"))
            .SetOffsetsCommittedHandler((_, committed) => _partitions.OnCommitted(committed))
            .Build();

    private void Run()
    {
        // An exception escaping a dedicated thread would end the process: nothing may leave this method.
        try
        {
            using var scope = _logger.BeginScope(new Dictionary<string, object> { ["Trigger"] = _plan.Trigger.ToString(), ["Function"] = _plan.Function.Name });
            Log.ConsumerStarting(_logger, _plan.Key, _plan.GroupId, string.Join(",", _plan.Topics), _plan.Ordering, _plan.MaxInFlight);
            var failures = 0;
            while (!_stop.IsCancellationRequested)
            {
                if (!RunConsumer(ref failures))
                {
                    failures++;
                    var delay = Backoff.Next(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), failures - 1);
                    _stop.Token.WaitHandle.WaitOne(delay);
                }
            }
        }
        catch (Exception e)
        {
            Log.ConsumerFailed(_logger, _plan.Key, TimeSpan.Zero, e);
        }
        finally
        {
            _health.Reset();
            _handling.Dispose();
            Log.ConsumerStopped(_logger, _plan.Key);
            _exited.TrySetResult();
        }
    }

    /// <summary>One consumer's life: build, subscribe, poll until stopped, give up gracefully; false when it failed and must be rebuilt.</summary>
    private bool RunConsumer(ref int failures)
    {
        IConsumer<byte[], byte[]>? consumer = null;
        try
        {
            _fatal = null;
            consumer = BuildConsumer();
            consumer.Subscribe(_plan.Topics);
            Poll(consumer, ref failures);
            _partitions.GiveUp(consumer, _partitions.Partitions, commit: true, _options.RevokeGracePeriod, "stopping");
            consumer.Close();
            return true;
        }
        catch (Exception e)
        {
            _health.MarkDisconnected(e.Message);
            Log.ConsumerFailed(_logger, _plan.Key, Backoff.Next(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), failures), e);
            _partitions.Abandon(consumer);
            return false;
        }
        finally
        {
            try
            {
                consumer?.Dispose();
            }
            catch (Exception e)
            {
                Log.ConsumerFailed(_logger, _plan.Key, TimeSpan.Zero, e);
            }
        }
    }

    private void Poll(IConsumer<byte[], byte[]> consumer, ref int failures)
    {
        // Even while the budget is held, librdkafka is polled this often: rebalances, commits and
        // statistics are served from the poll (a record it returns is still bounded per partition).
        var lastPoll = Stopwatch.GetTimestamp();
        while (!_stop.IsCancellationRequested)
        {
            if (_fatal is { } fatal)
            {
                throw new KafkaException(fatal);
            }

            _health.ProbeWhileDisconnected(consumer);
            _health.SampleLag(consumer, _partitions);

            if (_partitions.ApplySettled(consumer, out var wakeAfter))
            {
                var sincePoll = Stopwatch.GetElapsedTime(lastPoll);
                if (sincePoll < PollTimeout)
                {
                    _settled.WaitFor(wakeAfter, PollTimeout - sincePoll);
                    continue;
                }
            }

            lastPoll = Stopwatch.GetTimestamp();
            ConsumeResult<byte[], byte[]>? record;
            try
            {
                // Holding nothing, the loop has nothing to store or resume: a record ends the poll
                // at once, and librdkafka runs rebalance and commit callbacks inside it without
                // waiting. Only a stop, a fatal error and the lag sample wait for the poll to end,
                // so a sparse consumer wakes at the lag-sampling interval instead of ten times a
                // second (with hundreds of consumers per worker, those wake-ups were much of its CPU).
                record = consumer.Consume(_partitions.Gauge.Buffered == 0 ? _idlePollTimeout : PollTimeout);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                Log.ClientError(_logger, _plan.Key, e.Error.Code, e.Error.Reason);
                continue;
            }

            // Once stopping, no new record is taken: it stays unstored and the next owner reads it.
            if (record is null || record.IsPartitionEOF || _stop.IsCancellationRequested)
            {
                continue;
            }

            failures = 0;
            _health.MarkConnected();
            _partitions.Accept(consumer, record);
        }
    }

    private void OnError(Error error)
    {
        if (error.IsFatal)
        {
            Log.FatalError(_logger, _plan.Key, error.Code, error.Reason);
            _fatal = error;
            return;
        }

        if (error.Code == ErrorCode.Local_AllBrokersDown)
        {
            _health.MarkDisconnected(error.Reason);
        }

        Log.ClientError(_logger, _plan.Key, error.Code, error.Reason);
    }
}
