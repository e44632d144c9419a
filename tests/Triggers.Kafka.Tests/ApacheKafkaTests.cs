using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Testcontainers.Kafka;
using Triggers.Kafka.Tests.Infrastructure;
using Triggers.Testing;

namespace Triggers.Kafka.Tests;

/// <summary>The ordering scenario against a real Apache Kafka broker (Testcontainers), where Docker exists.</summary>
public sealed class ApacheKafkaTests
{
    [DockerFact]
    public async Task Delivers_Records_Over_4_Partitions_In_Order_On_Apache_Kafka()
    {
        await using var kafka = new KafkaBuilder("confluentinc/cp-kafka:7.6.1").Build();
        await kafka.StartAsync();
        var bootstrap = kafka.GetBootstrapAddress();
        var topic = "orders-" + Guid.NewGuid().ToString("N")[..8];
        using (var admin = new AdminClientBuilder(new AdminClientConfig { BootstrapServers = bootstrap }).Build())
        {
            await admin.CreateTopicsAsync([new TopicSpecification { Name = topic, NumPartitions = 4, ReplicationFactor = 1 }]);
        }

        await using var function = await RecordingFunctionServer.StartAsync();
        var folder = Directory.CreateTempSubdirectory("kafka-docker-").FullName;
        File.WriteAllText(Path.Combine(folder, "function.yaml"), Manifests.Function("fn", function.Url));
        File.WriteAllText(Path.Combine(folder, "trigger.yaml"), Manifests.KafkaTrigger("trigger", "fn", topic, extraSpec: "initialOffset: earliest"));
        await using var worker = await InProcessWorker.StartAsync(WorkerSettings.Defaults(bootstrap, folder));

        using (var producer = new ProducerBuilder<byte[], byte[]>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All }).Build())
        {
            for (var i = 0; i < 2000; i++)
            {
                producer.Produce(new TopicPartition(topic, i % 4), new Message<byte[], byte[]> { Value = Encoding.UTF8.GetBytes(Scenario.Body(i % 4, i / 4)) });
            }

            producer.Flush(TimeSpan.FromSeconds(30));
        }

        await Eventually.WaitUntilAsync(() => function.Requests.Select(r => r.BodyText).Distinct().Count() >= 2000, "all 2000 records are delivered", TimeSpan.FromSeconds(120));
        foreach (var partition in function.Requests.GroupBy(r => r.Header("kafka-partition")))
        {
            var seqs = partition.Select(r => int.Parse(r.BodyText.Split(':')[1], CultureInfo.InvariantCulture)).ToList();
            Assert.Equal(Enumerable.Range(0, 500), seqs);
        }
    }
}
