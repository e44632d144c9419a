using System.Threading.Channels;
using Confluent.Kafka;

namespace Triggers.Benchmarks;

/// <summary>
/// The <c>bare-kafka</c> sub-command: the least a Kafka-to-HTTP bridge can do, run as its own process
/// so its CPU is its own. A consumer loop feeds concurrent HttpClient POSTs of the record's value to
/// the function; each offset is stored after its answer and auto-commit commits stored offsets.
/// <c>unordered</c>: <see cref="Load.Concurrency"/> POSTs in flight. <c>partition</c>: one in flight
/// per partition, the bound of the worker's partition ordering. No headers, no retries, no metrics;
/// with a sixth argument <c>contract</c>, the worker's request headers (<see cref="ContractHeaders"/>);
/// with <c>BENCH_BARE_SPIN_US</c>, that much busy work per record (<see cref="SimulatedWork"/>).
/// </summary>
internal static class BareKafkaBridge
{
    public const string Command = "bare-kafka";

    /// <summary>Arguments: bootstrap servers, topic, consumer group, function URL, ordering (unordered or partition), optionally <c>contract</c>. Runs until killed.</summary>
    public static int Run(string[] args)
    {
        var (bootstrap, topic, group, url, ordering) = (args[0], args[1], args[2], new Uri(args[3]), args[4]);
        var contract = args.Length > 5 && args[5] == ContractHeaders.Kind;
        using var http = Load.Client();
        using var consumer = new ConsumerBuilder<byte[], byte[]>(new ConsumerConfig
        {
            BootstrapServers = bootstrap, GroupId = group, AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoOffsetStore = false, EnableAutoCommit = true, AutoCommitIntervalMs = 500,
        }).Build();
        consumer.Subscribe(topic);
        Console.WriteLine(BareBridge.Ready);
        var slots = new SemaphoreSlim(Load.Concurrency);
        var lanes = new Dictionary<int, Channel<ConsumeResult<byte[], byte[]>>>();
        async Task PostAsync(ConsumeResult<byte[], byte[]> record)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(record.Message.Value) };
            if (contract)
            {
                request.Content.Headers.TryAddWithoutValidation("Content-Type", "application/json");
                ContractHeaders.Add(request, record.Topic, "kafka");
            }

            SimulatedWork.Spin();
            using var response = await http.SendAsync(request);
            response.EnsureSuccessStatusCode();
            consumer.StoreOffset(record);
        }

        while (true)
        {
            var record = consumer.Consume(TimeSpan.FromMilliseconds(100));
            if (record is null)
            {
                continue;
            }

            if (ordering == "partition")
            {
                if (!lanes.TryGetValue(record.Partition.Value, out var lane))
                {
                    lanes[record.Partition.Value] = lane = Channel.CreateUnbounded<ConsumeResult<byte[], byte[]>>();
                    _ = Task.Run(async () =>
                    {
                        await foreach (var next in lane.Reader.ReadAllAsync())
                        {
                            await PostAsync(next);
                        }
                    });
                }

                lane.Writer.TryWrite(record);
                continue;
            }

            slots.Wait();
            _ = Task.Run(async () =>
            {
                try
                {
                    await PostAsync(record);
                }
                finally
                {
                    slots.Release();
                }
            });
        }
    }
}
