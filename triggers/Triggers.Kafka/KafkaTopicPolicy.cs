using Microsoft.Extensions.Options;

namespace Triggers.Kafka;

/// <summary>
/// Which topics a namespace's KafkaTriggers may consume and dead-letter to (<c>Kafka:AllowedTopics</c>:
/// exact names or a trailing <c>*</c>, <c>{namespace}</c> standing for the trigger's namespace), and
/// which consumer groups they may name. With no list every topic is allowed except Kafka's internal
/// ones (<c>__consumer_offsets</c>, <c>__transaction_state</c>: anything starting with <c>__</c>),
/// which only a pattern naming them admits.
/// </summary>
public sealed class KafkaTopicPolicy(IOptions<KafkaOptions> options)
{
    public const string NamespacePlaceholder = "{namespace}";

    public const string ReasonTopicNotAllowed = "TopicNotAllowed";

    public const string ReasonConsumerGroupNotAllowed = "ConsumerGroupNotAllowed";

    /// <summary>Null when a trigger in <paramref name="namespace"/> may use <paramref name="topic"/>, else why not.</summary>
    public string? Check(string @namespace, string topic)
    {
        var patterns = (options.Value.AllowedTopics ?? []).Select(p => p.Trim().Replace(NamespacePlaceholder, @namespace, StringComparison.Ordinal)).ToList();
        var internalTopic = topic.StartsWith("__", StringComparison.Ordinal);
        if (patterns.Count == 0)
        {
            return internalTopic ? "is a Kafka internal topic; an operator must list it in Kafka:AllowedTopics" : null;
        }

        return patterns.Any(p => Covers(p, topic) && (!internalTopic || p.StartsWith("__", StringComparison.Ordinal)))
            ? null
            : $"is not inside Kafka:AllowedTopics for namespace {@namespace} ({string.Join(", ", patterns)})";
    }

    /// <summary>Exact name, or a prefix when the pattern ends with <c>*</c>.</summary>
    public static bool Covers(string pattern, string topic) =>
        pattern.EndsWith('*')
            ? topic.StartsWith(pattern[..^1], StringComparison.Ordinal)
            : string.Equals(pattern, topic, StringComparison.Ordinal);

    /// <summary>
    /// Null when an explicit <c>spec.consumerGroup</c> is the namespace's own (<c>NAMESPACE_</c> or
    /// <c>NAMESPACE-</c> prefix), else why not: joining another tenant's group takes its partitions and commits its offsets.
    /// </summary>
    public static string? CheckConsumerGroup(string @namespace, string group) =>
        group.StartsWith(@namespace + "_", StringComparison.Ordinal) || group.StartsWith(@namespace + "-", StringComparison.Ordinal)
            ? null
            : $"spec.consumerGroup \"{group}\" must begin with \"{@namespace}_\" or \"{@namespace}-\" (the trigger's namespace)";
}
