using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>What readiness and the lag metric read of one consumer: broker reachability and lag per partition, from librdkafka's statistics and errors.</summary>
internal sealed class ConsumerHealth(bool statistics, TimeProvider time)
{
    /// <summary>How often a consumer without statistics, marked disconnected, asks a broker for metadata to learn it is back.</summary>
    internal static readonly TimeSpan ProbeInterval = TimeSpan.FromSeconds(2);

    private static readonly TimeSpan ProbeTimeout = TimeSpan.FromMilliseconds(500);

    private long _lastProbe = long.MinValue;
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

    /// <summary>Reads a statistics document; <paramref name="owns"/> tells which partitions are this consumer's.</summary>
    public void OnStatistics(string json, Func<TopicPartition, bool> owns)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
            ReadBrokers(root);
            var lag = new List<PartitionLag>();
            if (root.TryGetProperty("topics", out var topics))
            {
                foreach (var topic in topics.EnumerateObject())
                {
                    if (!topic.Value.TryGetProperty("partitions", out var partitions))
                    {
                        continue;
                    }

                    foreach (var partition in partitions.EnumerateObject())
                    {
                        if (int.TryParse(partition.Name, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number) && number >= 0 &&
                            owns(new TopicPartition(topic.Name, number)) &&
                            partition.Value.TryGetProperty("consumer_lag", out var value) && value.GetInt64() >= 0)
                        {
                            lag.Add(new PartitionLag(topic.Name, number, value.GetInt64()));
                        }
                    }
                }
            }

            _lag = lag;
        }
        catch (JsonException)
        {
            // A malformed statistics document only costs one sample.
        }
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
