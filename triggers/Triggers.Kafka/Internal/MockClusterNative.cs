using System.Runtime.InteropServices;
using System.Text;

namespace Triggers.Kafka.Internal;

/// <summary>
/// The mock-cluster entry points of librdkafka, bound to the file Confluent.Kafka itself loaded.
/// Confluent.Kafka ships several builds (librdkafka.so, centos8-librdkafka.so, ...) and picks
/// one at run time; binding by name could load a second copy with its own globals.
/// </summary>
internal sealed class MockClusterNative
{
    private static readonly Lazy<MockClusterNative> Instance = new(Load);

    private MockClusterNative(string path, IntPtr library)
    {
        Path = path;
        ConfNew = Bind<ConfNewFn>(library, "rd_kafka_conf_new");
        ConfSet = Bind<ConfSetFn>(library, "rd_kafka_conf_set");
        New = Bind<NewFn>(library, "rd_kafka_new");
        Destroy = Bind<DestroyFn>(library, "rd_kafka_destroy");
        ClusterNew = Bind<ClusterNewFn>(library, "rd_kafka_mock_cluster_new");
        ClusterDestroy = Bind<ClusterDestroyFn>(library, "rd_kafka_mock_cluster_destroy");
        ClusterBootstraps = Bind<ClusterBootstrapsFn>(library, "rd_kafka_mock_cluster_bootstraps");
        TopicCreate = Bind<TopicCreateFn>(library, "rd_kafka_mock_topic_create");
        BrokerSetDown = Bind<BrokerFn>(library, "rd_kafka_mock_broker_set_down");
        BrokerSetUp = Bind<BrokerFn>(library, "rd_kafka_mock_broker_set_up");
        PushRequestErrorsArray = Bind<PushRequestErrorsArrayFn>(library, "rd_kafka_mock_push_request_errors_array");
        GroupInitialRebalanceDelayMs = Bind<GroupInitialRebalanceDelayFn>(library, "rd_kafka_mock_group_initial_rebalance_delay_ms");
    }

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr ConfNewFn();

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int ConfSetFn(IntPtr conf, [MarshalAs(UnmanagedType.LPUTF8Str)] string name, [MarshalAs(UnmanagedType.LPUTF8Str)] string value, StringBuilder error, UIntPtr errorSize);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr NewFn(int type, IntPtr conf, StringBuilder error, UIntPtr errorSize);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void DestroyFn(IntPtr handle);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr ClusterNewFn(IntPtr handle, int brokers);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void ClusterDestroyFn(IntPtr cluster);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate IntPtr ClusterBootstrapsFn(IntPtr cluster);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int TopicCreateFn(IntPtr cluster, [MarshalAs(UnmanagedType.LPUTF8Str)] string topic, int partitions, int replicationFactor);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate int BrokerFn(IntPtr cluster, int brokerId);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void PushRequestErrorsArrayFn(IntPtr cluster, short apiKey, UIntPtr count, int[] errors);

    [UnmanagedFunctionPointer(CallingConvention.Cdecl)]
    public delegate void GroupInitialRebalanceDelayFn(IntPtr cluster, int delayMs);

    public static MockClusterNative Api => Instance.Value;

    public string Path { get; }

    public ConfNewFn ConfNew { get; }

    public ConfSetFn ConfSet { get; }

    public NewFn New { get; }

    public DestroyFn Destroy { get; }

    public ClusterNewFn ClusterNew { get; }

    public ClusterDestroyFn ClusterDestroy { get; }

    public ClusterBootstrapsFn ClusterBootstraps { get; }

    public TopicCreateFn TopicCreate { get; }

    public BrokerFn BrokerSetDown { get; }

    public BrokerFn BrokerSetUp { get; }

    public PushRequestErrorsArrayFn PushRequestErrorsArray { get; }

    public GroupInitialRebalanceDelayFn GroupInitialRebalanceDelayMs { get; }

    private static MockClusterNative Load()
    {
        // Makes Confluent.Kafka load its librdkafka now, so that the file can be found among the mappings.
        _ = Confluent.Kafka.Library.Version;
        var path = LoadedLibraryPath() ?? throw new InvalidOperationException(
            "Could not find the librdkafka file Confluent.Kafka loaded in /proc/self/maps; the Kafka mock cluster fixture needs Linux.");
        return new MockClusterNative(path, NativeLibrary.Load(path));
    }

    private static string? LoadedLibraryPath()
    {
        if (!File.Exists("/proc/self/maps"))
        {
            return null;
        }

        foreach (var line in File.ReadLines("/proc/self/maps"))
        {
            var slash = line.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                continue;
            }

            var path = line[slash..].Trim();
            var name = System.IO.Path.GetFileName(path);
            if (name.Contains("librdkafka", StringComparison.Ordinal) && name.Contains(".so", StringComparison.Ordinal) && File.Exists(path))
            {
                return path;
            }
        }

        return null;
    }

    private static T Bind<T>(IntPtr library, string name)
        where T : Delegate =>
        Marshal.GetDelegateForFunctionPointer<T>(NativeLibrary.GetExport(library, name));
}
