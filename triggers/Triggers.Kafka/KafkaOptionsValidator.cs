using Confluent.Kafka;
using Microsoft.Extensions.Options;

namespace Triggers.Kafka;

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
        if (options.FetchQueueBackoff < TimeSpan.Zero || options.FetchQueueBackoff > TimeSpan.FromMinutes(5))
        {
            errors.Add($"Kafka:FetchQueueBackoff must be between 00:00:00 and 00:05:00 (got {options.FetchQueueBackoff}).");
        }

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
