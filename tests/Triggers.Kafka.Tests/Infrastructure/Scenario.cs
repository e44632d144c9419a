using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Triggers.Kafka.Embedded;
using Triggers.Testing;

namespace Triggers.Kafka.Tests.Infrastructure;

/// <summary>One test's world: its own mock cluster, topic, function server and manifests folder.</summary>
internal sealed class Scenario : IAsyncDisposable
{
    private Scenario(KafkaMockCluster cluster, RecordingFunctionServer function, string folder, string topic, int partitions)
    {
        Cluster = cluster;
        Function = function;
        ManifestsPath = folder;
        Topic = topic;
        Partitions = partitions;
    }

    public KafkaMockCluster Cluster { get; }

    public RecordingFunctionServer Function { get; }

    public string ManifestsPath { get; }

    public string Topic { get; }

    public int Partitions { get; }

    public string FunctionName => "fn-" + Topic;

    public string TriggerName => "trigger-" + Topic;

    /// <summary>The Kubeless consumer group name of the scenario's (trigger, function) pair.</summary>
    public string GroupId => $"default_{TriggerName}_{FunctionName}_{Topic}";

    public static async Task<Scenario> StartAsync(string topic, int partitions = 4, int brokers = 3)
    {
        var cluster = KafkaMockCluster.Start(brokers);
        cluster.CreateTopic(topic, partitions);
        var function = await RecordingFunctionServer.StartAsync().ConfigureAwait(false);
        var folder = Directory.CreateTempSubdirectory("kafka-test-").FullName;
        return new Scenario(cluster, function, folder, topic, partitions);
    }

    public Dictionary<string, string> Settings() => WorkerSettings.Defaults(Cluster.BootstrapServers, ManifestsPath);

    /// <summary>Writes the Function and KafkaTrigger manifests (reading from the earliest offset).</summary>
    public void WriteManifests(string extraSpec = "initialOffset: earliest")
    {
        File.WriteAllText(Path.Combine(ManifestsPath, "function.yaml"), Manifests.Function(FunctionName, Function.Url));
        File.WriteAllText(Path.Combine(ManifestsPath, "trigger.yaml"), Manifests.KafkaTrigger(TriggerName, FunctionName, Topic, extraSpec: extraSpec));
    }

    /// <summary>Produces <paramref name="count"/> records round-robin over the partitions; body "p:seq" where seq counts per partition.</summary>
    public async Task<IReadOnlyList<(int Partition, int Seq)>> ProduceAsync(int count, Func<int, string?>? key = null, int startAt = 0)
    {
        using var producer = Cluster.CreateProducer();
        var produced = new List<(int, int)>(count);
        var perPartition = new int[Partitions];
        var failures = 0;
        for (var i = startAt; i < startAt + count; i++)
        {
            var partition = i % Partitions;
            var seq = i / Partitions;
            perPartition[partition]++;
            var message = new Message<byte[], byte[]>
            {
                Key = key?.Invoke(i) is { } k ? Encoding.UTF8.GetBytes(k) : null!,
                Value = Encoding.UTF8.GetBytes(Body(partition, seq)),
            };
            producer.Produce(new TopicPartition(Topic, partition), message, report =>
            {
                if (report.Error.IsError)
                {
                    Interlocked.Increment(ref failures);
                }
            });
            produced.Add((partition, seq));
        }

        await Task.Run(() => producer.Flush(TimeSpan.FromSeconds(30))).ConfigureAwait(false);
        Assert.Equal(0, failures);
        return produced;
    }

    public static string Body(int partition, int seq) => string.Create(CultureInfo.InvariantCulture, $"{partition}:{seq}");

    /// <summary>Distinct records the function answered 2xx for, by body.</summary>
    public HashSet<string> Delivered(Func<RecordedRequest, bool> succeeded) =>
        [.. Function.Requests.Where(succeeded).Select(r => r.BodyText)];

    public async ValueTask DisposeAsync()
    {
        await Function.DisposeAsync().ConfigureAwait(false);
        Cluster.Dispose();
        try
        {
            Directory.Delete(ManifestsPath, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
