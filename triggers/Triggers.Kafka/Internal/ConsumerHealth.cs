using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>
/// What readiness and the lag metric read of one consumer: broker reachability (from errors, and
/// from librdkafka's statistics when they are on) and lag per partition (from the watermarks
/// librdkafka caches from its fetch responses, every <paramref name="lagInterval"/>).
/// </summary>
internal sealed class ConsumerHealth(bool statistics, TimeSpan lagInterval, TimeProvider time)
{
    /// <summary>How often a consumer without statistics, marked disconnected, asks a broker for metadata to learn it is back.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    private long _lastProbe = long.MinValue;
    private long _lastLag = long.MinValue;
    private volatile bool _lost;
    private volatile bool _connected;
    private volatile string _connectivity = "connecting";
    private volatile IReadOnlyList<PartitionLag> _lag = [];

    /// <summary>True while the consumer reaches at least one broker.</summary>
    public bool IsConnected => _connected;

    public string Connectivity => _connectivity;

    public IReadOnlyList<PartitionLag> Lag => _lag;

    public void MarkConnected()
    {
        if (!_connected)
        {
            _connected = true;
            _connectivity = "connected";
        }
    }

    public void MarkDisconnected(string reason)
    {
        _lost = true;
        _connected = false;
        _connectivity = reason;
    }

    /// <summary>
    /// Without statistics nothing reports that brokers came back while no record or rebalance
    /// arrives: every <see cref="ProbeInterval"/>, while disconnected after an error, one metadata
    /// request (at most <c>500 ms</c>, on the consumer thread, which has nothing else to do then)
    /// tells. A starting consumer is not probed: its first assignment says it (a thousand starting
    /// consumers probing would slow the group joins they wait for).
    /// </summary>
    public void ProbeWhileDisconnected(IConsumer<byte[], byte[]> consumer)
    {
        if (statistics || _connected || !_lost)
        {
            return;
        }

        var now = time.GetTimestamp();
        if (_lastProbe != long.MinValue && time.GetElapsedTime(_lastProbe, now) < ProbeInterval)
        {
            return;
        }

        _lastProbe = now;
        try
        {
            using var admin = new DependentAdminClientBuilder(consumer.Handle).Build();
            if (admin.GetMetadata(ProbeTimeout).Brokers.Count > 0)
            {
                MarkConnected();
            }
        }
        catch (KafkaException)
        {
            // Still unreachable: the reason stays the one the error callback gave.
        }
    }

    public void Reset()
    {
        _lost = false;
        _connected = false;
        _lag = [];
    }

    /// <summary>Reads a statistics document: the state of the broker connections.</summary>
    public void OnStatistics(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            ReadBrokers(document.RootElement);
        }
        catch (JsonException)
        {
            // A malformed statistics document only costs one sample.
        }
    }

    /// <summary>
    /// Every lag interval, on the consumer thread: for each assigned partition, the high watermark
    /// librdkafka cached from its last fetch response (no request is sent) minus the lowest offset
    /// not known to be committed (<see cref="AssignedPartitions.Uncommitted"/>; negative while unknown:
    /// no record received and no commit yet, then the consumer's position, if any, stands in).
    /// </summary>
    public void SampleLag(IConsumer<byte[], byte[]> consumer, AssignedPartitions partitions)
    {
        var now = time.GetTimestamp();
        if (_lastLag != long.MinValue && time.GetElapsedTime(_lastLag, now) < lagInterval)
        {
            return;
        }

        _lastLag = now;
        var lag = new List<PartitionLag>();
        foreach (var (partition, from) in partitions.Uncommitted)
        {
            try
            {
                var high = consumer.GetWatermarkOffsets(partition).High.Value;
                var start = from >= 0 ? from : consumer.Position(partition).Value;
                if (high >= 0 && start >= 0)
                {
                    lag.Add(new PartitionLag(partition.Topic, partition.Partition.Value, Math.Max(0, high - start)));
                }
            }
            catch (KafkaException)
            {
                // Not known yet (no fetch response): the partition has no sample this time.
            }
        }

        _lag = lag;
    }

    private void ReadBrokers(JsonElement root)
    {
        var brokersUp = 0;
        var brokersKnown = 0;
        if (root.TryGetProperty("brokers", out var brokers))
        {
            foreach (var broker in brokers.EnumerateObject())
            {
                // Bootstrap entries (nodeid -1) and the logical coordinator entry do not count as brokers.
                if (broker.Value.TryGetProperty("nodeid", out var id) && id.GetInt32() >= 0 && broker.Value.TryGetProperty("source", out var source) && source.GetString() != "logical")
                {
                    brokersKnown++;
                    if (broker.Value.TryGetProperty("state", out var state) && state.GetString() == "UP")
                    {
                        brokersUp++;
                    }
                }
            }
        }

        if (brokersUp > 0)
        {
            _connected = true;
            _connectivity = string.Create(CultureInfo.InvariantCulture, $"{brokersUp} of {brokersKnown} brokers up");
        }
        else if (brokersKnown > 0)
        {
            MarkDisconnected(string.Create(CultureInfo.InvariantCulture, $"none of {brokersKnown} brokers up"));
        }
    }
}
