namespace Triggers.Kafka.Internal;

/// <summary>Consumer lag of one assigned partition, from the last librdkafka statistics.</summary>
internal readonly record struct PartitionLag(string Topic, int Partition, long Lag);
