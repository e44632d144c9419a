using Confluent.Kafka;

namespace Triggers.Kafka;

/// <summary>Settings of the <c>Kafka</c> configuration section: the broker connection and consumer defaults.</summary>
public sealed class KafkaOptions
{
    public const string Section = "Kafka";

    /// <summary>Comma-separated <c>host:port</c> list of brokers.</summary>
    public string BootstrapServers { get; set; } = "";

    /// <summary><c>Plaintext</c> (default), <c>Ssl</c>, <c>SaslPlaintext</c> or <c>SaslSsl</c>.</summary>
    public SecurityProtocol SecurityProtocol { get; set; } = SecurityProtocol.Plaintext;

    /// <summary><c>Plain</c>, <c>ScramSha256</c> or <c>ScramSha512</c> when the protocol uses SASL.</summary>
    public SaslMechanism? SaslMechanism { get; set; }

    public string? SaslUsername { get; set; }

    public string? SaslPassword { get; set; }

    /// <summary>PEM file of the CA that signed the brokers' certificates.</summary>
    public string? SslCaLocation { get; set; }

    /// <summary>PEM file of the client certificate (mutual TLS).</summary>
    public string? SslCertificateLocation { get; set; }

    /// <summary>PEM file of the client certificate's private key (mutual TLS).</summary>
    public string? SslKeyLocation { get; set; }

    public string? SslKeyPassword { get; set; }

    public string ClientId { get; set; } = "triggers-kafka";

    /// <summary>
    /// Topics KafkaTriggers may consume and dead-letter to: exact names or a trailing <c>*</c>;
    /// <c>{namespace}</c> stands for the trigger's namespace (<c>{namespace}.*</c>). Empty: every
    /// topic except Kafka's internal <c>__</c> ones.
    /// </summary>
    public string[] AllowedTopics { get; set; } = [];

    /// <summary>Concurrent POSTs per (trigger, function) consumer when the trigger sets no <c>spec.maxInFlight</c>.</summary>
    public int MaxInFlight { get; set; } = 16;

    /// <summary>
    /// Records received but not yet committed, per partition. Bounds the duplicates a crash can
    /// cause: after a hard stop at most this many records per partition are delivered again.
    /// </summary>
    public int MaxUncommittedPerPartition { get; set; } = 2000;

    /// <summary>
    /// Records held in memory per partition before the partition is paused. Memory is bounded by
    /// <see cref="MaxBufferedBytesPerConsumer"/>; this count only guards against floods of tiny
    /// records. It is well above one fetch of a partition, because a pause drops librdkafka's
    /// prefetch of it and a resume fetches it again (at 500 that cycle bounded partition order to
    /// 0.15-0.28x of its bound in tests/Triggers.Benchmarks kafka; docs/benchmarks.md).
    /// </summary>
    public int MaxBufferedPerPartition { get; set; } = 10_000;

    /// <summary>
    /// Bytes (keys, values, headers) of received and unsettled records one consumer holds: each
    /// partition is paused at its share. librdkafka's prefetch (<see cref="QueuedMaxMessagesKbytes"/>) comes on top.
    /// </summary>
    public long MaxBufferedBytesPerConsumer { get; set; } = 16 * 1024 * 1024;

    /// <summary>How often stored offsets are committed.</summary>
    public TimeSpan CommitInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    /// <summary>How long in-flight POSTs of a partition being given up (revoke, trigger edit or removal, worker stop) may finish and commit before they are abandoned (and redelivered).</summary>
    public TimeSpan RevokeGracePeriod { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Group session timeout: how fast a crashed replica's partitions move to the others.</summary>
    public TimeSpan SessionTimeout { get; set; } = TimeSpan.FromSeconds(45);

    /// <summary>
    /// How often librdkafka reports statistics, which <c>/readyz</c> then reads for the state of every
    /// broker connection. <c>00:00:00</c> (the default) leaves them off: about 300 KiB less per consumer
    /// (librdkafka keeps latency histograms per broker connection only while statistics are on), and
    /// readiness comes from assignments, records and errors. The lag metric does not need them.
    /// </summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.Zero;

    /// <summary>False when <see cref="StatisticsInterval"/> is zero: librdkafka statistics are off.</summary>
    public bool StatisticsEnabled => StatisticsInterval > TimeSpan.Zero;

    /// <summary>
    /// KIP-714 client metrics pushed to brokers that ask for them (librdkafka <c>enable.metrics.push</c>).
    /// Off by default: librdkafka keeps its histograms per broker connection of every consumer, about 500 KiB each.
    /// </summary>
    public bool EnableMetricsPush { get; set; }

    /// <summary>Cap of the backoff between rounds of retries when a trigger has no dead-letter topic.</summary>
    public TimeSpan MaxRedeliveryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest prefetch librdkafka keeps per consumer, in KiB (part of the memory bound).</summary>
    public int QueuedMaxMessagesKbytes { get; set; } = 16 * 1024;

    /// <summary>
    /// How long librdkafka waits before fetching a partition again once its prefetch reached
    /// <see cref="QueuedMaxMessagesKbytes"/> (librdkafka's <c>fetch.queue.backoff.ms</c>). librdkafka's
    /// own 1 s left a consumer that drains its prefetch faster than that waiting for records the
    /// broker already had (docs/kafka.md); only a consumer whose prefetch is full checks this often.
    /// </summary>
    public TimeSpan FetchQueueBackoff { get; set; } = TimeSpan.FromMilliseconds(100);
}
