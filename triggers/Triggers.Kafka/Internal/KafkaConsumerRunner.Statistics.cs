using System.Globalization;
using System.Text.Json;
using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>librdkafka statistics: broker reachability for readiness, consumer lag per partition.</summary>
internal sealed partial class KafkaConsumerRunner
{
    private void OnStatistics(string json)
    {
        try
        {
            using var document = JsonDocument.Parse(json);
            var root = document.RootElement;
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
                _connected = false;
                _connectivity = string.Create(CultureInfo.InvariantCulture, $"none of {brokersKnown} brokers up");
            }

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
                            _flows.ContainsKey(new TopicPartition(topic.Name, number)) &&
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
}
