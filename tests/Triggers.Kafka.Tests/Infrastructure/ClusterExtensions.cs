using Confluent.Kafka;
using Triggers.Kafka.Embedded;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>What tests do with a mock cluster besides running the worker: produce, read back, look at commits.</summary>
internal static class ClusterExtensions
{
    /// <summary>A producer for test records (acks=all, idempotent), owned by the caller.</summary>
    public static IProducer<byte[], byte[]> CreateProducer(this KafkaMockCluster cluster) =>
        new ProducerBuilder<byte[], byte[]>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            Acks = Acks.All,
            EnableIdempotence = true,
            LingerMs = 5,
        }).SetLogHandler((_, _) => { }).Build();

    /// <summary>Committed offsets of <paramref name="groupId"/> for every partition of a topic (-1001 when none).</summary>
    public static IReadOnlyDictionary<int, long> CommittedOffsets(this KafkaMockCluster cluster, string groupId, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = groupId,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        var committed = consumer.Committed(Enumerable.Range(0, partitions).Select(p => new TopicPartition(topic, p)), TimeSpan.FromSeconds(10));
        return committed.ToDictionary(c => c.Partition.Value, c => c.Offset.Value);
    }

    /// <summary>Reads a topic from the start until <paramref name="count"/> records arrived or the deadline passed.</summary>
    public static IReadOnlyList<ConsumeResult<byte[], byte[]>> ReadAll(this KafkaMockCluster cluster, string topic, int count, TimeSpan timeout)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "reader-" + Guid.NewGuid().ToString("N"),
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
        }).SetLogHandler((_, _) => { }).Build();
        consumer.Subscribe(topic);
        var records = new List<ConsumeResult<byte[], byte[]>>();
        var deadline = DateTime.UtcNow + timeout;
        while (records.Count < count && DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(100)) is { IsPartitionEOF: false } record)
            {
                records.Add(record);
            }
        }

        consumer.Close();
        return records;
    }

    /// <summary>The end (high watermark) of one partition: how many records it has.</summary>
    public static long EndOffset(this KafkaMockCluster cluster, string topic, int partition = 0)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = "watermarks-" + Guid.NewGuid().ToString("N"),
        }).SetLogHandler((_, _) => { }).Build();
        return consumer.QueryWatermarkOffsets(new TopicPartition(topic, partition), TimeSpan.FromSeconds(10)).High.Value;
    }
}
