using Confluent.Kafka;

namespace Triggers.Kafka.Internal;

/// <summary>
/// Checks that librdkafka accepts a consumer's configuration before its consumer thread starts, so
/// that a bad setting fails the trigger's start (its status names it) instead of a rebuild loop.
/// The check builds a consumer, which costs a librdkafka client (its threads and broker
/// connections); the configurations of a worker's consumers differ only in what the planner has
/// already checked (group id, client id, initial offset), so one successful check per distinct
/// rest of the configuration is enough: 1,000 triggers built 1,000 throwaway clients before.
/// Failures are not remembered: every start of a trigger with a bad configuration checks again.
/// </summary>
internal sealed class ConsumerConfigCheck
{
    /// <summary>The per-consumer entries: the planner checks them, librdkafka does not refuse them.</summary>
    private static readonly HashSet<string> PerConsumer = new(StringComparer.Ordinal) { "group.id", "client.id", "auto.offset.reset" };

    private readonly HashSet<string> _accepted = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private int _builds;

    /// <summary>How many consumers were built to check a configuration (tests).</summary>
    public int Builds => Volatile.Read(ref _builds);

    /// <summary>Throws, naming <paramref name="plan"/>'s key, when librdkafka refuses its configuration.</summary>
    public void Check(KafkaSubscriptionPlan plan, KafkaOptions options, ILogger logger)
    {
        var config = KafkaClients.Consumer(options, plan, logger);
        var key = Key(config);
        lock (_lock)
        {
            if (_accepted.Contains(key))
            {
                return;
            }
        }

        Interlocked.Increment(ref _builds);
        try
        {
            using (new ConsumerBuilder<byte[], byte[]>(config).SetLogHandler((_, m) => KafkaClients.LogLibrary(logger, m)).Build())
            {
            }
        }
        catch (Exception e) when (e is KafkaException or ArgumentException or InvalidOperationException)
        {
            throw new InvalidOperationException($"Kafka consumer {plan.Key}: librdkafka refused the configuration: {e.Message}", e);
        }

        lock (_lock)
        {
            _accepted.Add(key);
        }
    }

    /// <summary>The configuration without its per-consumer entries, in a stable order.</summary>
    private static string Key(ConsumerConfig config) =>
        string.Join('\n', config.Where(e => !PerConsumer.Contains(e.Key)).OrderBy(e => e.Key, StringComparer.Ordinal).Select(e => e.Key + "=" + e.Value));
}
