using System.Collections.Concurrent;
using System.Diagnostics;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;

namespace Triggers.Kafka.Internal;

/// <summary>Consumer lag of one assigned partition, from the last librdkafka statistics.</summary>
internal readonly record struct PartitionLag(string Topic, int Partition, long Lag);

/// <summary>
/// One (trigger, function) consumer. A dedicated thread owns the librdkafka consumer: it polls,
/// hands records to per-partition flows, stores offsets of settled records, pauses partitions that
/// hold too much, and commits on revoke. The dispatch side runs on the thread pool and only talks
/// back through <see cref="Settle"/>. A failure of the consumer rebuilds it with backoff; it never
/// ends the process.
/// </summary>
internal sealed partial class KafkaConsumerRunner : IAsyncDisposable
{
    private static readonly TimeSpan PollTimeout = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan AbandonWait = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan StopMargin = TimeSpan.FromSeconds(20);

    /// <summary>While the consumer holds its budget, a partition none of whose records settled for this long stops counting against it.</summary>
    private static readonly TimeSpan StuckAfter = TimeSpan.FromSeconds(1);

    private readonly KafkaSubscriptionPlan _plan;
    private readonly KafkaOptions _options;
    private readonly IEventDispatcher _dispatcher;
    private readonly DeadLetterWriter _deadLetters;
    private readonly TriggerMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly TagList _tags;
    private readonly SemaphoreSlim _concurrency;
    private readonly CancellationTokenSource _stop = new();
    private readonly TaskCompletionSource _exited = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly ConcurrentQueue<(PartitionFlow Flow, long Offset)> _settled = new();
    private readonly Dictionary<TopicPartition, PartitionFlow> _flows = [];
    private readonly HashSet<PartitionFlow> _touched = [];
    private readonly Thread _thread;
    private readonly Dictionary<string, string> _sources;
    private readonly Action<string> _skippedHeader;
    private readonly ManualResetEventSlim _settledSignal = new(false);

    /// <summary>
    /// Unordered and key modes: records the consumer holds (over its partitions neither paused nor stuck) before it
    /// stops pulling from librdkafka. Below the per-partition limit, so a backlog is taken in step
    /// with dispatch instead of pausing partitions (a pause drops librdkafka's prefetch, which is
    /// fetched again on resume). Partition mode has none: it needs every partition's records at hand.
    /// </summary>
    private readonly int _holdBudget;
    private int _gateWaiting;
    private int _wakeCountdown;
    private volatile Error? _fatal;
    private volatile bool _started;
    private volatile bool _connected;
    private volatile string _connectivity = "connecting";
    private volatile IReadOnlyList<PartitionLag> _lag = [];
    private volatile int _buffered;
    private volatile int _peakBufferedPerPartition;

    public KafkaConsumerRunner(
        KafkaSubscriptionPlan plan,
        KafkaOptions options,
        IEventDispatcher dispatcher,
        DeadLetterWriter deadLetters,
        TriggerMetrics metrics,
        TimeProvider time,
        ILogger logger)
    {
        _plan = plan;
        _options = options;
        _dispatcher = dispatcher;
        _deadLetters = deadLetters;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _tags = TriggerMetrics.Tags(Core.Resources.KafkaTrigger.KindName, plan.Trigger.ToString(), plan.Function.Name);
        _concurrency = new SemaphoreSlim(plan.MaxInFlight, plan.MaxInFlight);
        _sources = plan.Topics.Distinct(StringComparer.Ordinal).ToDictionary(t => t, t => KafkaEventFactory.Source(plan.Trigger.Namespace, plan.Trigger.Name, t), StringComparer.Ordinal);
        _skippedHeader = name => Log.HeaderSkipped(_logger, _plan.Key, name);
        var max = options.MaxBufferedPerPartition;
        _holdBudget = plan.Ordering == KafkaOrdering.Partition || max < 3 ? int.MaxValue : Math.Clamp(2 * plan.MaxInFlight, max / 2, max - 1);
        _thread = new Thread(Run) { IsBackground = true, Name = "kafka " + plan.Key };
    }

    public KafkaSubscriptionPlan Plan => _plan;

    /// <summary>True while the consumer reaches at least one broker.</summary>
    public bool IsConnected => _connected;

    public string Connectivity => _connectivity;

    public IReadOnlyList<PartitionLag> Lag => _lag;

    /// <summary>Records received and not yet settled, over all assigned partitions (refreshed by the consumer thread).</summary>
    public int Buffered => _buffered;

    /// <summary>The most records one partition ever held at once: what the memory bound is checked against.</summary>
    public int PeakBufferedPerPartition => _peakBufferedPerPartition;

    /// <summary>Checks the configuration by building a consumer once, then starts the consumer thread.</summary>
    public void Start()
    {
        using (BuildConsumer())
        {
        }

        _thread.Start();
        _started = true;
    }

    /// <summary>Gives up every partition (finishing in-flight work within the grace period), commits and leaves the group.</summary>
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
        new ConsumerBuilder<byte[], byte[]>(KafkaClients.Consumer(_options, _plan))
            .SetLogHandler((_, m) => KafkaClients.LogLibrary(_logger, m))
            .SetErrorHandler((_, e) => OnError(e))
            .SetStatisticsHandler((_, json) => OnStatistics(json))
            .SetPartitionsAssignedHandler((c, partitions) => OnAssigned(partitions))
            .SetPartitionsRevokedHandler((c, partitions) => GiveUp(c, [.. partitions.Select(p => p.TopicPartition)], commit: true, _options.RevokeGracePeriod, "revoked"))
            .SetPartitionsLostHandler((c, partitions) => GiveUp(c, [.. partitions.Select(p => p.TopicPartition)], commit: false, TimeSpan.Zero, "lost"))
            .SetOffsetsCommittedHandler((_, committed) => OnCommitted(committed))
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
            _connected = false;
            _lag = [];
            _buffered = 0;
            Log.ConsumerStopped(_logger, _plan.Key);
            _exited.TrySetResult();
        }
    }

    /// <summary>One consumer's life: build, subscribe, poll until stopped; false when it failed and must be rebuilt.</summary>
    private bool RunConsumer(ref int failures)
    {
        IConsumer<byte[], byte[]>? consumer = null;
        try
        {
            _fatal = null;
            consumer = BuildConsumer();
            consumer.Subscribe(_plan.Topics);
            Poll(consumer, ref failures);
            GiveUp(consumer, [.. _flows.Keys], commit: true, _options.RevokeGracePeriod, "stopping");
            consumer.Close();
            return true;
        }
        catch (Exception e)
        {
            _connected = false;
            _connectivity = e.Message;
            Log.ConsumerFailed(_logger, _plan.Key, Backoff.Next(TimeSpan.FromMilliseconds(500), TimeSpan.FromSeconds(30), failures), e);
            try
            {
                GiveUp(consumer, [.. _flows.Keys], commit: false, TimeSpan.Zero, "failed");
            }
            catch (Exception giveUp)
            {
                Log.ConsumerFailed(_logger, _plan.Key, TimeSpan.Zero, giveUp);
                _flows.Clear();
            }

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

            var held = ApplySettled(consumer);
            if (held >= _holdBudget)
            {
                MarkStuck();
                var sincePoll = Stopwatch.GetElapsedTime(lastPoll);
                if (sincePoll < PollTimeout)
                {
                    WaitForSettled(held, PollTimeout - sincePoll);
                    continue;
                }
            }

            lastPoll = Stopwatch.GetTimestamp();
            ConsumeResult<byte[], byte[]>? record;
            try
            {
                record = consumer.Consume(PollTimeout);
            }
            catch (ConsumeException e) when (!e.Error.IsFatal)
            {
                Log.ClientError(_logger, _plan.Key, e.Error.Code, e.Error.Reason);
                continue;
            }

            if (record is null || record.IsPartitionEOF)
            {
                continue;
            }

            failures = 0;
            Accept(consumer, record);
        }
    }

    private void Accept(IConsumer<byte[], byte[]> consumer, ConsumeResult<byte[], byte[]> record)
    {
        MarkConnected();
        if (!_flows.TryGetValue(record.TopicPartition, out var flow))
        {
            // Assignment always comes first; a record without it is a late one of a partition just given up.
            return;
        }

        var offset = record.Offset.Value;
        flow.StartWindowAt(offset);
        flow.AddPending(offset);
        flow.NextOffset = offset + 1;
        if (flow.Buffered == 0)
        {
            // Idle until now: the time without a settle counts from here.
            flow.LastSettled = Stopwatch.GetTimestamp();
        }

        flow.Received();
        flow.Queue.Writer.TryWrite(record);
        if (flow.Buffered > _peakBufferedPerPartition)
        {
            _peakBufferedPerPartition = flow.Buffered;
        }

        if (!flow.Paused && flow.Buffered >= _options.MaxBufferedPerPartition)
        {
            consumer.Pause([flow.Partition]);
            flow.Paused = true;
        }
    }

    /// <summary>
    /// The budget is held: a partition that settled nothing for <see cref="StuckAfter"/> (a record
    /// or key retrying, a full window) stops counting against it until one of its records settles,
    /// so that it cannot starve the others. It keeps taking records (other keys of it keep flowing)
    /// up to <see cref="KafkaOptions.MaxBufferedPerPartition"/>, where it is paused as before.
    /// </summary>
    private void MarkStuck()
    {
        var now = Stopwatch.GetTimestamp();
        foreach (var flow in _flows.Values)
        {
            if (!flow.Stuck && flow.Buffered > 0 && Stopwatch.GetElapsedTime(flow.LastSettled, now) >= StuckAfter)
            {
                flow.Stuck = true;
            }
        }
    }

    /// <summary>Waits until a share of what is held settled (or <paramref name="timeout"/>).</summary>
    private void WaitForSettled(int held, TimeSpan timeout)
    {
        Volatile.Write(ref _wakeCountdown, Math.Max(1, Math.Min(held / 4, _plan.MaxInFlight)));
        _settledSignal.Reset();
        Interlocked.Exchange(ref _gateWaiting, 1);
        try
        {
            if (_settled.IsEmpty)
            {
                _settledSignal.Wait(timeout);
            }
        }
        finally
        {
            Interlocked.Exchange(ref _gateWaiting, 0);
        }
    }

    /// <summary>Called by the dispatch side when a record is delivered or dead-lettered (or skipped as poison).</summary>
    private void Settle(PartitionFlow flow, long offset)
    {
        flow.Released();
        _settled.Enqueue((flow, offset));
        if (Volatile.Read(ref _gateWaiting) == 1 && Interlocked.Decrement(ref _wakeCountdown) == 0)
        {
            _settledSignal.Set();
        }
    }

    /// <summary>Stores the offsets of what settled, resumes drained partitions; returns the records held by partitions that are neither paused nor stuck.</summary>
    private int ApplySettled(IConsumer<byte[], byte[]> consumer)
    {
        while (_settled.TryDequeue(out var settled))
        {
            if (!settled.Flow.Gone)
            {
                settled.Flow.RemovePending(settled.Offset);
                _touched.Add(settled.Flow);
            }
        }

        var now = Stopwatch.GetTimestamp();
        foreach (var flow in _touched)
        {
            flow.LastSettled = now;
            flow.Stuck = false;
            var store = flow.PendingCount > 0 ? flow.LowestPending : flow.NextOffset;
            if (store > flow.Stored)
            {
                try
                {
                    consumer.StoreOffset(new TopicPartitionOffset(flow.Partition, store));
                    flow.Stored = store;
                }
                catch (KafkaException e)
                {
                    Log.StoreFailed(_logger, _plan.Key, flow.Partition.Topic, flow.Partition.Partition.Value, store, e.Error.Reason);
                }
            }
        }

        _touched.Clear();
        var buffered = 0;
        var held = 0;
        foreach (var flow in _flows.Values)
        {
            var count = flow.Buffered;
            buffered += count;
            if (flow.Paused && count <= _options.MaxBufferedPerPartition / 2)
            {
                consumer.Resume([flow.Partition]);
                flow.Paused = false;
            }

            if (!flow.Paused && !flow.Stuck)
            {
                held += count;
            }
        }

        _buffered = buffered;
        return held;
    }

    private void OnAssigned(List<TopicPartition> partitions)
    {
        MarkConnected();
        foreach (var partition in partitions)
        {
            if (_flows.ContainsKey(partition))
            {
                continue;
            }

            var flow = new PartitionFlow(partition, _stop.Token);
            _flows[partition] = flow;
            flow.Worker = Task.Run(() => RunFlowAsync(flow));
        }

        Log.Assigned(_logger, _plan.Key, KafkaClients.Describe(partitions));
    }

    /// <summary>
    /// Runs on the consumer thread inside librdkafka's rebalance callback (or on stop): no new record
    /// of these partitions starts, in-flight ones get <paramref name="grace"/> to settle and are
    /// then abandoned, and what settled is stored and committed before the partitions go.
    /// Blocking here is by design: it is the consumer's own thread and heartbeats run in librdkafka's.
    /// </summary>
    private void GiveUp(IConsumer<byte[], byte[]>? consumer, List<TopicPartition> partitions, bool commit, TimeSpan grace, string why)
    {
        var flows = new List<PartitionFlow>();
        foreach (var partition in partitions)
        {
            if (_flows.Remove(partition, out var flow))
            {
                flows.Add(flow);
            }
        }

        if (flows.Count == 0)
        {
            return;
        }

        foreach (var flow in flows)
        {
            flow.Stop();
            flow.Queue.Writer.TryComplete();
            if (grace <= TimeSpan.Zero)
            {
                flow.Abandon();
            }
        }

        var workers = Task.WhenAll(flows.Select(f => f.Worker));
        if (!Wait(workers, grace))
        {
            foreach (var flow in flows)
            {
                flow.Abandon();
            }

            Wait(workers, AbandonWait);
        }

        var abandoned = flows.Sum(f => f.Buffered);
        if (consumer is not null)
        {
            // An application pause must not outlive the assignment: if the partition comes back to
            // this consumer later, it has to flow again.
            foreach (var flow in flows.Where(f => f.Paused))
            {
                try
                {
                    consumer.Resume([flow.Partition]);
                    flow.Paused = false;
                }
                catch (KafkaException)
                {
                }
            }
        }

        if (consumer is not null && commit)
        {
            ApplySettled(consumer);
            var offsets = flows.Where(f => f.Stored >= 0).Select(f => new TopicPartitionOffset(f.Partition, f.Stored)).ToList();
            if (offsets.Count > 0)
            {
                try
                {
                    consumer.Commit(offsets);
                }
                catch (KafkaException e)
                {
                    Log.CommitFailed(_logger, _plan.Key, e.Error.Reason);
                }
            }
        }

        foreach (var flow in flows)
        {
            flow.Gone = true;
            if (flow.Worker.IsCompleted)
            {
                flow.Dispose();
            }
        }

        if (why == "lost")
        {
            Log.Lost(_logger, _plan.Key, KafkaClients.Describe(partitions));
        }
        else
        {
            Log.Revoked(_logger, _plan.Key, KafkaClients.Describe(flows.Select(f => f.Partition)), abandoned);
        }
    }

    private static bool Wait(Task task, TimeSpan timeout)
    {
        try
        {
            return task.Wait(timeout);
        }
        catch (AggregateException)
        {
            return true;
        }
    }

    private void OnCommitted(CommittedOffsets committed)
    {
        if (committed.Error.IsError && committed.Error.Code != ErrorCode.Local_NoOffset)
        {
            Log.CommitFailed(_logger, _plan.Key, committed.Error.Reason);
        }

        foreach (var offset in committed.Offsets)
        {
            if (!offset.Error.IsError && offset.Offset.Value >= 0 && _flows.TryGetValue(offset.TopicPartition, out var flow))
            {
                flow.CommittedUpTo(offset.Offset.Value);
            }
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
            _connected = false;
            _connectivity = error.Reason;
        }

        Log.ClientError(_logger, _plan.Key, error.Code, error.Reason);
    }

    private void MarkConnected()
    {
        if (!_connected)
        {
            _connected = true;
            _connectivity = "connected";
        }
    }
}
