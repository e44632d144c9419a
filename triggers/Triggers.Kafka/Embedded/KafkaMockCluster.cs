using System.Runtime.InteropServices;
using System.Text;
using Confluent.Kafka;
using Triggers.Kafka.Internal;

namespace Triggers.Kafka.Embedded;

/// <summary>
/// librdkafka's in-process mock Kafka cluster (real Kafka protocol on loopback ports: produce,
/// fetch, consumer groups, commits, rebalances), driven through P/Invoke against the very
/// librdkafka file Confluent.Kafka loaded, with fault injection. The embedded Kafka of the local
/// runner and the broker of the tests and benchmarks; not for production traffic.
/// </summary>
public sealed class KafkaMockCluster : IDisposable
{
    private readonly Lock _lock = new();
    private IntPtr _handle;
    private IntPtr _cluster;

    private KafkaMockCluster(IntPtr handle, IntPtr cluster, int brokers)
    {
        _handle = handle;
        _cluster = cluster;
        Brokers = brokers;
        BootstrapServers = Marshal.PtrToStringUTF8(MockClusterNative.Api.ClusterBootstraps(cluster)) ?? throw new InvalidOperationException("rd_kafka_mock_cluster_bootstraps returned null");
    }

    /// <summary>The <c>host:port,...</c> list to hand to the code under test.</summary>
    public string BootstrapServers { get; }

    /// <summary>Broker ids are 1..<see cref="Brokers"/>.</summary>
    public int Brokers { get; }

    /// <summary>Path of the librdkafka file both the fixture and Confluent.Kafka use.</summary>
    public static string LibraryPath => MockClusterNative.Api.Path;

    /// <summary>Starts a mock cluster with a short initial rebalance delay so that fresh groups join at once.</summary>
    public static KafkaMockCluster Start(int brokers = 3, TimeSpan? initialRebalanceDelay = null)
    {
        var api = MockClusterNative.Api;
        var conf = api.ConfNew();
        var error = new StringBuilder(512);
        // The owning handle's own logs would go to stderr; only errors matter here.
        api.ConfSet(conf, "log_level", "3", error, (UIntPtr)error.Capacity);
        var handle = api.New(0 /* RD_KAFKA_PRODUCER */, conf, error, (UIntPtr)error.Capacity);
        if (handle == IntPtr.Zero)
        {
            throw new InvalidOperationException($"rd_kafka_new failed: {error}");
        }

        var cluster = api.ClusterNew(handle, brokers);
        if (cluster == IntPtr.Zero)
        {
            api.Destroy(handle);
            throw new InvalidOperationException("rd_kafka_mock_cluster_new failed");
        }

        var mock = new KafkaMockCluster(handle, cluster, brokers);
        mock.SetInitialRebalanceDelay(initialRebalanceDelay ?? TimeSpan.FromMilliseconds(50));
        return mock;
    }

    public void CreateTopic(string topic, int partitions, int replicationFactor = 1) =>
        Check(MockClusterNative.Api.TopicCreate(Cluster, topic, partitions, replicationFactor), $"creating topic {topic}");

    /// <summary>Disconnects the broker and refuses new connections (leaders do not move).</summary>
    public void SetBrokerDown(int brokerId) => Check(MockClusterNative.Api.BrokerSetDown(Cluster, brokerId), $"setting broker {brokerId} down");

    public void SetBrokerUp(int brokerId) => Check(MockClusterNative.Api.BrokerSetUp(Cluster, brokerId), $"setting broker {brokerId} up");

    public void SetAllBrokersDown()
    {
        for (var id = 1; id <= Brokers; id++)
        {
            SetBrokerDown(id);
        }
    }

    public void SetAllBrokersUp()
    {
        for (var id = 1; id <= Brokers; id++)
        {
            SetBrokerUp(id);
        }
    }

    /// <summary>The next requests of <paramref name="apiKey"/> (Kafka protocol API key) fail with these errors, in order.</summary>
    public void PushRequestErrors(short apiKey, params ErrorCode[] errors)
    {
        var codes = errors.Select(e => (int)e).ToArray();
        MockClusterNative.Api.PushRequestErrorsArray(Cluster, apiKey, (UIntPtr)codes.Length, codes);
    }

    public void SetInitialRebalanceDelay(TimeSpan delay) => MockClusterNative.Api.GroupInitialRebalanceDelayMs(Cluster, (int)delay.TotalMilliseconds);

    public void Dispose()
    {
        lock (_lock)
        {
            if (_cluster != IntPtr.Zero)
            {
                MockClusterNative.Api.ClusterDestroy(_cluster);
                _cluster = IntPtr.Zero;
            }

            if (_handle != IntPtr.Zero)
            {
                MockClusterNative.Api.Destroy(_handle);
                _handle = IntPtr.Zero;
            }
        }
    }

    private IntPtr Cluster => _cluster != IntPtr.Zero ? _cluster : throw new ObjectDisposedException(nameof(KafkaMockCluster));

    private static void Check(int error, string what)
    {
        if (error != 0)
        {
            throw new InvalidOperationException($"Mock cluster: {what} failed with {(ErrorCode)error}");
        }
    }
}
