using Confluent.Kafka;
using Microsoft.Extensions.Options;

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
    /// How often librdkafka reports statistics (broker state for <c>/readyz</c>, consumer lag metric).
    /// <c>00:00:00</c> turns them off: about 300 KiB less per consumer (librdkafka keeps latency
    /// histograms per broker connection only while statistics are on), no lag metric, and readiness
    /// from assignments, records and errors alone.
    /// </summary>
    public TimeSpan StatisticsInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// KIP-714 client metrics pushed to brokers that ask for them (librdkafka <c>enable.metrics.push</c>).
    /// Off by default: librdkafka keeps its histograms per broker connection of every consumer, about 500 KiB each.
    /// </summary>
    public bool EnableMetricsPush { get; set; }

    /// <summary>Cap of the backoff between rounds of retries when a trigger has no dead-letter topic.</summary>
    public TimeSpan MaxRedeliveryBackoff { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Largest prefetch librdkafka keeps per consumer, in KiB (part of the memory bound).</summary>
    public int QueuedMaxMessagesKbytes { get; set; } = 16 * 1024;
}

/// <summary>Checks <see cref="KafkaOptions"/> at start; every message names the configuration key.</summary>
public sealed class KafkaOptionsValidator : IValidateOptions<KafkaOptions>
{
    public ValidateOptionsResult Validate(string? name, KafkaOptions options)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            errors.Add("Kafka:BootstrapServers is required (host:port[,host:port...]).");
        }
        else if (options.BootstrapServers.Split(',', StringSplitOptions.TrimEntries).Any(s => !IsHostPort(s)))
        {
            errors.Add($"Kafka:BootstrapServers '{options.BootstrapServers}' must be a comma-separated list of host:port.");
        }

        if (!Enum.IsDefined(options.SecurityProtocol))
        {
            errors.Add($"Kafka:SecurityProtocol must be Plaintext, Ssl, SaslPlaintext or SaslSsl (got '{options.SecurityProtocol}').");
        }

        var sasl = options.SecurityProtocol is SecurityProtocol.SaslPlaintext or SecurityProtocol.SaslSsl;
        if (sasl)
        {
            if (options.SaslMechanism is not (Confluent.Kafka.SaslMechanism.Plain or Confluent.Kafka.SaslMechanism.ScramSha256 or Confluent.Kafka.SaslMechanism.ScramSha512))
            {
                errors.Add($"Kafka:SaslMechanism must be Plain, ScramSha256 or ScramSha512 when Kafka:SecurityProtocol is {options.SecurityProtocol} (got '{options.SaslMechanism}').");
            }

            if (string.IsNullOrEmpty(options.SaslUsername))
            {
                errors.Add($"Kafka:SaslUsername is required when Kafka:SecurityProtocol is {options.SecurityProtocol}.");
            }

            if (string.IsNullOrEmpty(options.SaslPassword))
            {
                errors.Add($"Kafka:SaslPassword is required when Kafka:SecurityProtocol is {options.SecurityProtocol}.");
            }
        }
        else if (options.SaslMechanism is not null)
        {
            errors.Add($"Kafka:SaslMechanism is set but Kafka:SecurityProtocol is {options.SecurityProtocol}; use SaslPlaintext or SaslSsl.");
        }

        CheckFile(options.SslCaLocation, "Kafka:SslCaLocation", errors);
        CheckFile(options.SslCertificateLocation, "Kafka:SslCertificateLocation", errors);
        CheckFile(options.SslKeyLocation, "Kafka:SslKeyLocation", errors);
        if (string.IsNullOrEmpty(options.SslCertificateLocation) != string.IsNullOrEmpty(options.SslKeyLocation))
        {
            errors.Add("Kafka:SslCertificateLocation and Kafka:SslKeyLocation must be set together (mutual TLS).");
        }

        if (string.IsNullOrWhiteSpace(options.ClientId))
        {
            errors.Add("Kafka:ClientId must not be empty.");
        }

        Positive(options.MaxInFlight, "Kafka:MaxInFlight", errors);
        Positive(options.MaxUncommittedPerPartition, "Kafka:MaxUncommittedPerPartition", errors);
        Positive(options.MaxBufferedPerPartition, "Kafka:MaxBufferedPerPartition", errors);
        Positive(options.QueuedMaxMessagesKbytes, "Kafka:QueuedMaxMessagesKbytes", errors);
        if (options.MaxBufferedBytesPerConsumer < 1024)
        {
            errors.Add($"Kafka:MaxBufferedBytesPerConsumer must be at least 1024 (got {options.MaxBufferedBytesPerConsumer}).");
        }

        Positive(options.CommitInterval, "Kafka:CommitInterval", errors);
        Positive(options.RevokeGracePeriod, "Kafka:RevokeGracePeriod", errors);
        if (options.StatisticsInterval < TimeSpan.Zero)
        {
            errors.Add($"Kafka:StatisticsInterval must be positive, or 00:00:00 to turn statistics off (got {options.StatisticsInterval}).");
        }

        Positive(options.MaxRedeliveryBackoff, "Kafka:MaxRedeliveryBackoff", errors);
        if (options.SessionTimeout < TimeSpan.FromSeconds(1))
        {
            errors.Add($"Kafka:SessionTimeout must be at least 00:00:01 (got {options.SessionTimeout}).");
        }

        for (var i = 0; i < options.AllowedTopics.Length; i++)
        {
            var pattern = options.AllowedTopics[i]?.Trim().Replace(KafkaTopicPolicy.NamespacePlaceholder, "ns", StringComparison.Ordinal) ?? "";
            if (!KafkaTriggerPlanner.IsValidTopic(pattern.EndsWith('*') && pattern.Length > 1 ? pattern[..^1] : pattern))
            {
                errors.Add($"Kafka:AllowedTopics:{i} '{options.AllowedTopics[i]}' must be a topic name, optionally ending with * (a-z A-Z 0-9 . _ -).");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHostPort(string value)
    {
        var colon = value.LastIndexOf(':');
        return colon > 0 && int.TryParse(value.AsSpan(colon + 1), out var port) && port is > 0 and < 65536;
    }

    private static void CheckFile(string? path, string key, List<string> errors)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            errors.Add($"{key} '{path}' does not exist.");
        }
    }

    private static void Positive(int value, string key, List<string> errors)
    {
        if (value < 1)
        {
            errors.Add($"{key} must be at least 1 (got {value}).");
        }
    }

    private static void Positive(TimeSpan value, string key, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{key} must be positive (got {value}).");
        }
    }
}
