using System.Globalization;
using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>Builds librdkafka configurations from <see cref="KafkaOptions"/>.</summary>
internal static class KafkaClients
{
    public static ConsumerConfig Consumer(KafkaOptions options, KafkaSubscriptionPlan plan, ILogger logger)
    {
        var config = new ConsumerConfig(Common(options))
        {
            GroupId = plan.GroupId,
            AutoOffsetReset = plan.InitialOffset,
            PartitionAssignmentStrategy = PartitionAssignmentStrategy.CooperativeSticky,
            // At-least-once: an offset is stored only once its record is settled; the background
            // auto-commit then commits only stored offsets.
            EnableAutoOffsetStore = false,
            EnableAutoCommit = true,
            AutoCommitIntervalMs = Milliseconds(options.CommitInterval),
            SessionTimeoutMs = Milliseconds(options.SessionTimeout),
            HeartbeatIntervalMs = Math.Max(100, Milliseconds(options.SessionTimeout) / 3),
            // 0 (the default) leaves statistics off, and with them librdkafka's latency histograms per broker connection.
            StatisticsIntervalMs = options.StatisticsEnabled ? Milliseconds(options.StatisticsInterval) : 0,
            QueuedMaxMessagesKbytes = options.QueuedMaxMessagesKbytes,
            FetchQueueBackoffMs = (int)options.FetchQueueBackoff.TotalMilliseconds,
            EnablePartitionEof = false,
            ClientId = options.ClientId + "-" + plan.Key.Replace('/', '.'),
        };

        // librdkafka calls the log handler on its own threads, and each thread that does (several
        // per consumer) stays attached to the .NET runtime: only messages the logger keeps are worth it.
        config.Set("log_level", LibraryLogLevel(logger).ToString(CultureInfo.InvariantCulture));
        return config;
    }

    public static ProducerConfig Producer(KafkaOptions options) =>
        new(Common(options))
        {
            Acks = Acks.All,
            EnableIdempotence = true,
            ClientId = options.ClientId + "-dead-letters",
            // A dead letter that cannot be written within this time is retried by the caller; the record stays unsettled.
            MessageTimeoutMs = 30_000,
        };

    /// <summary>The most verbose syslog level <see cref="LogLibrary"/> would keep with this logger.</summary>
    public static int LibraryLogLevel(ILogger logger) =>
        logger.IsEnabled(LogLevel.Debug) ? (int)SyslogLevel.Debug : logger.IsEnabled(LogLevel.Information) ? (int)SyslogLevel.Notice : (int)SyslogLevel.Warning;

    public static void LogLibrary(ILogger logger, LogMessage message)
    {
        switch (message.Level)
        {
            case SyslogLevel.Emergency or SyslogLevel.Alert or SyslogLevel.Critical or SyslogLevel.Error or SyslogLevel.Warning:
                Log.LibraryWarning(logger, message.Name, message.Facility, message.Message);
                break;
            case SyslogLevel.Notice:
                Log.LibraryInfo(logger, message.Name, message.Facility, message.Message);
                break;
            default:
                Log.LibraryDebug(logger, message.Name, message.Facility, message.Message);
                break;
        }
    }

    private static ClientConfig Common(KafkaOptions options)
    {
        var config = new ClientConfig
        {
            BootstrapServers = options.BootstrapServers,
            SecurityProtocol = options.SecurityProtocol,
            ClientId = options.ClientId,
            EnableMetricsPush = options.EnableMetricsPush,
        };
        if (options.SaslMechanism is { } mechanism)
        {
            config.SaslMechanism = mechanism;
            config.SaslUsername = options.SaslUsername;
            config.SaslPassword = options.SaslPassword;
        }

        if (!string.IsNullOrEmpty(options.SslCaLocation))
        {
            config.SslCaLocation = options.SslCaLocation;
        }

        if (!string.IsNullOrEmpty(options.SslCertificateLocation))
        {
            config.SslCertificateLocation = options.SslCertificateLocation;
            config.SslKeyLocation = options.SslKeyLocation;
            config.SslKeyPassword = options.SslKeyPassword;
        }

        return config;
    }

    private static int Milliseconds(TimeSpan value) =>
        (int)Math.Clamp(value.TotalMilliseconds, 1, int.MaxValue);

    public static string Describe(IEnumerable<TopicPartition> partitions) =>
        string.Join(", ", partitions.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Topic}[{p.Partition.Value}]")));
}
