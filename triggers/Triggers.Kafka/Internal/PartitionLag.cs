namespace Triggers.Kafka.Internal;

/// <summary>Consumer lag of one assigned partition: its cached high watermark minus the lowest offset not known to be committed.</summary>
internal readonly record struct PartitionLag(string Topic, int Partition, long Lag);
