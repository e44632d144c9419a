using Confluent.Kafka;
using Triggers.Kafka.Embedded;

namespace Triggers.Benchmarks;

/// <summary>The <c>kafka</c> scenario: records pre-produced over 8 partitions, consumed by the worker in each ordering mode.</summary>
internal static class KafkaScenario
{
    public static async Task<IReadOnlyList<Row>> RunAsync(int n)
    {
        var rows = new List<Row>();
        using var cluster = KafkaMockCluster.Start(brokers: 1);
        await using var function = await BenchFunction.StartAsync();
        var payload = Load.Payload();
        var direct = await Load.DirectAsync("kafka", function, n, payload);
        rows.Add(direct);

        foreach (var ordering in new[] { "unordered", "key", "partition" })
        {
            var topic = $"bench-{ordering}";
            cluster.CreateTopic(topic, partitions: 8);
            await ProduceAsync(cluster.BootstrapServers, topic, n, payload);
            function.Reset();
            using var manifests = Manifests.Create(y => y.Append($$$"""
                apiVersion: kubeless.io/v1beta1
                kind: Function
                metadata:
                  name: bench
                  labels: {function: bench}
                  annotations: {triggers/endpoint: "{{{function.Url}}}"}
                ---
                apiVersion: kubeless.io/v1beta1
                kind: KafkaTrigger
                metadata:
                  name: bench
                spec:
                  topic: {{{topic}}}
                  ordering: {{{ordering}}}
                  maxInFlight: 128
                  initialOffset: earliest
                  functionSelector: {matchLabels: {function: bench}}

                """));
            await using var worker = await WorkerProcess.StartAsync("Triggers.Kafka", [.. Manifests.Args(manifests.Path), $"--Kafka:BootstrapServers={cluster.BootstrapServers}"], TimeSpan.FromSeconds(60));
            using var trace = worker.StartTrace($"kafka-{ordering}", 5);
            await function.WaitForAsync(n, TimeSpan.FromMinutes(10));
            if (trace is not null)
            {
                await trace.WaitForExitAsync();
            }

            var rate = n / function.Span;
            rows.Add(new Row("kafka", $"triggers ({ordering})", n, rate, double.NaN, double.NaN, worker.PeakRssMb, worker.CpuSeconds, $"{rate / direct.MessagesPerSecond:0.00} x direct"));
        }

        return rows;
    }

    private static async Task ProduceAsync(string bootstrap, string topic, int n, byte[] payload)
    {
        using var producer = new ProducerBuilder<string, byte[]>(new ProducerConfig { BootstrapServers = bootstrap, LingerMs = 5, BatchNumMessages = 10_000, Acks = Acks.Leader }).Build();
        for (var i = 0; i < n; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<string, byte[]> { Key = $"key-{i % 1000}", Value = payload });
                    break;
                }
                catch (ProduceException<string, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        producer.Flush(TimeSpan.FromMinutes(2));
        await Task.CompletedTask;
    }
}
