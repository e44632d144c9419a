using Confluent.Kafka;

namespace Triggers.Benchmarks;

/// <summary>
/// What one topic of librdkafka's mock cluster can hold. The mock broker keeps at most 5 MiB of
/// record batches per partition (a limit fixed in librdkafka's source) and silently drops the
/// oldest beyond it, so a run that reads the topic from the start would wait for records that are
/// gone. The kafka scenario sizes its warm-up to fit and fails at once, naming <c>--n</c>, when
/// the measured records alone do not.
/// </summary>
internal static class MockTopicCapacity
{
    /// <summary>The mock broker's limit per partition (<c>mpart-&gt;max_size</c> in rdkafka_mock.c).</summary>
    private const long BytesPerPartition = 5L * 1024 * 1024;

    /// <summary>A record's bytes in a batch beyond its value: key, lengths, offset and timestamp deltas, attributes (a little more than measured, to stay on the safe side).</summary>
    private const int RecordOverhead = 32;

    /// <summary>The fewest warm-up records a run gets (the worker's hot path tiers up over about 15,000).</summary>
    private const int MinimumWarmUp = 20_000;

    /// <summary>
    /// The warm-up records of a run and the spare ones it may read on while the JIT is still busy,
    /// such that warm-up, spare, <paramref name="n"/> and <paramref name="overshoot"/> fit one topic.
    /// </summary>
    public static (int Warm, int Spare) Plan(int n, int overshoot, int partitions, int payloadBytes)
    {
        var capacity = partitions * (BytesPerPartition / (payloadBytes + RecordOverhead));
        var room = capacity - n - overshoot - MinimumWarmUp;
        if (room < 0)
        {
            var most = capacity - overshoot - MinimumWarmUp;
            throw new ArgumentException(
                $"kafka: --n {n} does not fit the mock cluster's topic: it keeps at most 5 MiB per partition ({capacity:N0} records of " +
                $"{payloadBytes} bytes on {partitions} partitions), and a run needs {MinimumWarmUp:N0} warm-up and {overshoot:N0} more records " +
                $"besides the measured ones; use --n {most:N0} or less");
        }

        var warm = (int)Math.Min(Math.Max(n / 2, MinimumWarmUp), MinimumWarmUp + room);
        var spare = (int)Math.Min(2L * warm, capacity - n - overshoot - warm);
        return (warm, spare);
    }

    /// <summary>Fails when the broker dropped any record of <paramref name="topic"/> (its low watermark moved past 0).</summary>
    public static void EnsureNothingDropped(string bootstrap, string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = bootstrap, GroupId = "capacity-check" }).Build();
        for (var p = 0; p < partitions; p++)
        {
            var watermarks = consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(30));
            if (watermarks.Low.Value > 0)
            {
                throw new InvalidOperationException(
                    $"kafka: the mock cluster dropped the first {watermarks.Low.Value:N0} records of {topic}[{p}] (it keeps at most 5 MiB per partition); use a smaller --n");
            }
        }
    }
}
