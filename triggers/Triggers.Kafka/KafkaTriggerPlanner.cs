using System.Globalization;
using System.Text.RegularExpressions;
using Confluent.Kafka;
using Triggers.Core.Dispatch;
using Triggers.Core.Policy;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Kafka;

/// <summary>Turns a KafkaTrigger and the functions it selects into one consumer plan per function. Pure.</summary>
public sealed partial class KafkaTriggerPlanner(FunctionResolver resolver, DeliveryPolicyResolver policies, Microsoft.Extensions.Options.IOptions<KafkaOptions> options)
    : ITriggerPlanner<KafkaTrigger, KafkaSubscriptionPlan>
{
    /// <summary>Upper bound of <c>spec.maxInFlight</c>: beyond it a single consumer only adds memory, not throughput.</summary>
    public const int MaxInFlightLimit = 1000;

    private readonly KafkaTopicPolicy _topics = new(options);

    public ResourceKind Kind => ResourceKind.KafkaTrigger;

    public TriggerPlan<KafkaSubscriptionPlan> Plan(KafkaTrigger trigger, ResourceSnapshot snapshot)
    {
        var spec = trigger.Spec;
        if (!TryTopics(spec, out var topics, out var topicError))
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidTopic", topicError!);
        }

        foreach (var topic in topics)
        {
            if (_topics.Check(trigger.Namespace, topic) is { } refused)
            {
                return TriggerPlan<KafkaSubscriptionPlan>.Invalid(KafkaTopicPolicy.ReasonTopicNotAllowed, $"topic \"{topic}\" {refused}");
            }
        }

        if (!LabelSelector.TryCompile(spec.FunctionSelector, out var selector, out var selectorError))
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidSelector", $"spec.functionSelector: {selectorError}");
        }

        if (!TryOrdering(spec.Ordering, out var ordering))
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidOrdering", $"spec.ordering \"{spec.Ordering}\" must be partition, key or unordered");
        }

        if (!TryInitialOffset(spec.InitialOffset, out var initialOffset))
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidInitialOffset", $"spec.initialOffset \"{spec.InitialOffset}\" must be earliest or latest");
        }

        var maxInFlight = spec.MaxInFlight ?? options.Value.MaxInFlight;
        if (maxInFlight is < 1 or > MaxInFlightLimit)
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidMaxInFlight", $"spec.maxInFlight must be between 1 and {MaxInFlightLimit} (got {maxInFlight})");
        }

        if (spec.ConsumerGroup is { } group && !IsValidGroup(group))
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidConsumerGroup", $"spec.consumerGroup \"{group}\" must be 1-255 printable characters");
        }

        if (spec.ConsumerGroup is { } ownGroup && KafkaTopicPolicy.CheckConsumerGroup(trigger.Namespace, ownGroup) is { } groupRefused)
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid(KafkaTopicPolicy.ReasonConsumerGroupNotAllowed, groupRefused);
        }

        if (!policies.TryResolve(spec.Delivery, out var policy, out var policyError))
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidDelivery", policyError!);
        }

        if (spec.Delivery?.DeadLetterSubject is not null)
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidDelivery", "spec.delivery.deadLetterSubject is for NATSTrigger; a KafkaTrigger uses spec.delivery.deadLetterTopic");
        }

        var deadLetterTopic = spec.Delivery?.DeadLetterTopic;
        if (deadLetterTopic is not null)
        {
            if (!IsValidTopic(deadLetterTopic))
            {
                return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidDelivery", $"spec.delivery.deadLetterTopic \"{deadLetterTopic}\" is not a valid topic name");
            }

            if (_topics.Check(trigger.Namespace, deadLetterTopic) is { } deadLetterRefused)
            {
                return TriggerPlan<KafkaSubscriptionPlan>.Invalid(KafkaTopicPolicy.ReasonTopicNotAllowed, $"spec.delivery.deadLetterTopic \"{deadLetterTopic}\" {deadLetterRefused}");
            }

            if (topics.Contains(deadLetterTopic, StringComparer.Ordinal))
            {
                return TriggerPlan<KafkaSubscriptionPlan>.Invalid("InvalidDelivery", $"spec.delivery.deadLetterTopic \"{deadLetterTopic}\" must differ from the consumed topics");
            }
        }

        var resolved = resolver.Resolve(snapshot, trigger.Namespace, selector);
        if (resolved.Refused.Count > 0)
        {
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid(EndpointPolicy.ReasonNotAllowed, string.Join("; ", resolved.Refused));
        }

        if (resolved.Endpoints.Count == 0)
        {
            var message = resolved.Problems.Count > 0
                ? string.Join("; ", resolved.Problems)
                : $"no Function in namespace {trigger.Namespace} matches spec.functionSelector ({selector})";
            return TriggerPlan<KafkaSubscriptionPlan>.Invalid(resolved.Problems.Count > 0 ? ConditionReasons.InvalidFunctionEndpoint : ConditionReasons.NoMatchingFunctions, message);
        }

        var joinedTopics = string.Join("_", topics);
        var plans = new List<KafkaSubscriptionPlan>(resolved.Endpoints.Count);
        foreach (var endpoint in resolved.Endpoints)
        {
            var groupId = spec.ConsumerGroup ?? $"{trigger.Namespace}_{trigger.Name}_{endpoint.Name}_{joinedTopics}";
            var revision = string.Join('|',
                joinedTopics, groupId, initialOffset, ordering, maxInFlight.ToString(CultureInfo.InvariantCulture),
                policy.ToString(), deadLetterTopic ?? "", endpoint.Url.AbsoluteUri);
            plans.Add(new KafkaSubscriptionPlan
            {
                Key = $"{trigger.Namespace}/{trigger.Name}/{endpoint.Name}",
                Trigger = ResourceKey.Of(trigger),
                Revision = revision,
                Function = endpoint,
                Topics = topics,
                GroupId = groupId,
                InitialOffset = initialOffset,
                Ordering = ordering,
                MaxInFlight = maxInFlight,
                Policy = policy,
                DeadLetterTopic = deadLetterTopic,
            });
        }

        var ready = $"consuming {string.Join(", ", topics)} for {string.Join(", ", resolved.Endpoints.Select(e => e.Name))}";
        if (resolved.Problems.Count > 0)
        {
            ready += "; skipped: " + string.Join("; ", resolved.Problems);
        }

        return new TriggerPlan<KafkaSubscriptionPlan>(plans, new TriggerCondition(true, "Subscribed", ready));
    }

    /// <summary>Kafka's own rule for topic names.</summary>
    public static bool IsValidTopic(string topic) => topic is not ("." or "..") && TopicName().IsMatch(topic);

    private static bool TryTopics(KafkaTriggerSpec spec, out List<string> topics, out string? error)
    {
        topics = [];
        error = null;
        if (spec.Topic is { } single)
        {
            topics.Add(single);
        }

        foreach (var topic in spec.Topics ?? [])
        {
            if (!topics.Contains(topic, StringComparer.Ordinal))
            {
                topics.Add(topic);
            }
        }

        if (topics.Count == 0)
        {
            error = "spec.topic (or spec.topics) is required";
            return false;
        }

        var bad = topics.FirstOrDefault(t => !IsValidTopic(t));
        if (bad is not null)
        {
            error = $"topic \"{bad}\" is not a valid Kafka topic name (1-249 of a-z A-Z 0-9 . _ -)";
            return false;
        }

        return true;
    }

    private static bool TryOrdering(string? text, out KafkaOrdering ordering)
    {
        ordering = KafkaOrdering.Partition;
        return text is null || Enum.TryParse(text, ignoreCase: true, out ordering) && Enum.IsDefined(ordering) && !int.TryParse(text, out _);
    }

    private static bool TryInitialOffset(string? text, out AutoOffsetReset offset)
    {
        offset = AutoOffsetReset.Latest;
        switch (text?.ToLowerInvariant())
        {
            case null or "latest" or "newest":
                return true;
            case "earliest" or "oldest":
                offset = AutoOffsetReset.Earliest;
                return true;
            default:
                return false;
        }
    }

    private static bool IsValidGroup(string group) => group.Length is > 0 and <= 255 && group.All(c => !char.IsControl(c));

    [GeneratedRegex("^[a-zA-Z0-9._-]{1,249}$")]
    private static partial Regex TopicName();
}
