using System.Globalization;
using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Internal;
using Triggers.Core.Policy;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;
using Triggers.Nats.Internal;

namespace Triggers.Nats;

/// <summary>Turns a NATSTrigger and the functions it selects into one subscription per function, or a reason it cannot run.</summary>
public sealed class NatsTriggerPlanner(
    FunctionResolver functions,
    DeliveryPolicyResolver deliveryPolicies,
    IOptions<NatsOptions> options) : ITriggerPlanner<NatsTrigger, NatsSubscriptionPlan>
{
    public const string ReasonSubscribed = "Subscribed";
    public const string ReasonNoMatchingFunctions = ConditionReasons.NoMatchingFunctions;
    public const string ReasonInvalidSelector = "InvalidSelector";
    public const string ReasonInvalidTopic = "InvalidTopic";
    public const string ReasonInvalidDelivery = ConditionReasons.InvalidDelivery;
    public const string ReasonInvalidJetStream = "InvalidJetStream";
    public const string ReasonInvalidSpec = ConditionReasons.InvalidSpec;
    public const string ReasonInvalidFunctionEndpoint = ConditionReasons.InvalidFunctionEndpoint;

    private readonly NatsSubjectPolicy _subjects = new(options);

    /// <summary>Slack added to the POST timeout for the default ack wait, so a slow but successful POST is not redelivered.</summary>
    private static readonly TimeSpan AckWaitSlack = TimeSpan.FromSeconds(10);

    /// <summary>Longest <c>spec.jetStream.ackWait</c>: past the longest POST timeout (1h) with room to spare.</summary>
    private static readonly TimeSpan MaxAckWait = TimeSpan.FromHours(2);

    public ResourceKind Kind => ResourceKind.NatsTrigger;

    public TriggerPlan<NatsSubscriptionPlan> Plan(NatsTrigger trigger, ResourceSnapshot snapshot)
    {
        var spec = trigger.Spec;
        var topic = spec.Topic?.Trim();
        if (NatsSubjects.ValidateSubscription(topic) is { } topicError)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidTopic, $"spec.topic \"{spec.Topic}\" {topicError}");
        }

        var scope = _subjects.ScopeFor(trigger.Namespace);
        if (scope.Check(topic!) is { } topicRefused)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(NatsSubjectPolicy.ReasonSubjectNotAllowed, $"spec.topic \"{topic}\" {topicRefused}");
        }

        if (!LabelSelector.TryCompile(spec.FunctionSelector, out var selector, out var selectorError))
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidSelector, $"spec.functionSelector.{selectorError}");
        }

        if (spec.FunctionSelector is null)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidSelector, "spec.functionSelector is required");
        }

        if (!deliveryPolicies.TryResolve(spec.Delivery, out var policy, out var deliveryError))
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidDelivery, deliveryError!);
        }

        var deadLetter = spec.Delivery?.DeadLetterSubject?.Trim();
        if (string.IsNullOrEmpty(deadLetter))
        {
            deadLetter = null;
        }
        else if (NatsSubjects.ValidatePublish(deadLetter) is { } deadLetterError)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidDelivery, $"spec.delivery.deadLetterSubject \"{deadLetter}\" {deadLetterError}");
        }
        else if (scope.Check(deadLetter) is { } deadLetterRefused)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(NatsSubjectPolicy.ReasonSubjectNotAllowed, $"spec.delivery.deadLetterSubject \"{deadLetter}\" {deadLetterRefused}");
        }
        else if (NatsSubjects.Matches(topic!, deadLetter))
        {
            // A dead letter the trigger itself receives again would loop forever.
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidDelivery, $"spec.delivery.deadLetterSubject \"{deadLetter}\" must not match spec.topic \"{topic}\"");
        }

        var limit = options.Value.MaxInFlightLimit;
        var maxInFlight = spec.MaxInFlight ?? options.Value.DefaultMaxInFlight;
        if (maxInFlight < 1 || maxInFlight > limit)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidSpec, $"spec.maxInFlight must be between 1 and {limit} (got {maxInFlight})");
        }

        JetStreamSettings? jetStream = null;
        if (spec.JetStream is not null && !TryJetStream(trigger, policy, out jetStream, out var jetStreamError))
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidJetStream, jetStreamError!);
        }

        if (spec.JetStream?.Durable is { } durable && NatsSubjectPolicy.CheckDurable(trigger.Namespace, durable) is { } durableRefused)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(NatsSubjectPolicy.ReasonDurableNotAllowed, durableRefused);
        }

        var resolved = functions.Resolve(snapshot, trigger.Namespace, selector);
        if (resolved.Refused.Count > 0)
        {
            return TriggerPlan<NatsSubscriptionPlan>.Invalid(EndpointPolicy.ReasonNotAllowed, string.Join("; ", resolved.Refused));
        }

        if (resolved.Endpoints.Count == 0)
        {
            return resolved.Problems.Count > 0
                ? TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonInvalidFunctionEndpoint, string.Join("; ", resolved.Problems))
                : TriggerPlan<NatsSubscriptionPlan>.Invalid(ReasonNoMatchingFunctions, $"no Function in namespace {trigger.Namespace} matches spec.functionSelector");
        }

        var plans = new List<NatsSubscriptionPlan>(resolved.Endpoints.Count);
        foreach (var endpoint in resolved.Endpoints)
        {
            var plan = new NatsSubscriptionPlan
            {
                Key = $"{trigger.Namespace}/{trigger.Name}/{endpoint.Name}",
                Trigger = ResourceKey.Of(trigger),
                Revision = "",
                Subject = topic!,
                QueueGroup = QueueGroup(trigger.Namespace, trigger.Name, endpoint.Name, topic!),
                Function = endpoint,
                Policy = policy,
                MaxInFlight = maxInFlight,
                DeadLetterSubject = deadLetter,
                Scope = scope,
                JetStream = jetStream is null
                    ? null
                    : new JetStreamPlan(jetStream.Stream, NatsSubjects.ToName($"{jetStream.ConsumerPrefix}_{endpoint.Name}"), jetStream.DeliverPolicy, jetStream.AckWait, jetStream.MaxDeliver),
            };
            plans.Add(plan with { Revision = Revision(plan) });
        }

        var mode = jetStream is null ? "core NATS" : $"JetStream stream {jetStream.Stream}";
        var message = $"subscribed to {topic} ({mode}) for {plans.Count} function(s): {string.Join(", ", plans.Select(p => p.Function.Name))}";
        if (resolved.Problems.Count > 0)
        {
            message += "; skipped: " + string.Join("; ", resolved.Problems);
        }

        return new TriggerPlan<NatsSubscriptionPlan>(plans, new TriggerCondition(true, ReasonSubscribed, message));
    }

    /// <summary>Kubeless queue group name: <c>NAMESPACE_TRIGGER_FUNCTION_TOPIC</c>.</summary>
    public static string QueueGroup(string @namespace, string trigger, string function, string topic) =>
        string.Join('_', @namespace, trigger, function, topic);

    private static string Revision(NatsSubscriptionPlan plan)
    {
        var p = plan.Policy;
        var js = plan.JetStream;
        return string.Join('|',
            plan.Subject,
            plan.QueueGroup,
            plan.Function.Url.AbsoluteUri,
            p.MaxAttempts.ToString(CultureInfo.InvariantCulture),
            p.InitialBackoff.Ticks.ToString(CultureInfo.InvariantCulture),
            p.MaxBackoff.Ticks.ToString(CultureInfo.InvariantCulture),
            p.Timeout.Ticks.ToString(CultureInfo.InvariantCulture),
            plan.MaxInFlight.ToString(CultureInfo.InvariantCulture),
            plan.DeadLetterSubject ?? "",
            js is null ? "" : $"{js.Stream}/{js.Consumer}/{js.DeliverPolicy}/{js.AckWait.Ticks}/{js.MaxDeliver}");
    }

    private static bool TryJetStream(NatsTrigger trigger, DeliveryPolicy policy, out JetStreamSettings? settings, out string? error)
    {
        settings = null;
        var spec = trigger.Spec.JetStream!;
        if (NatsSubjects.ValidateName(spec.Stream) is { } streamError)
        {
            error = $"spec.jetStream.stream \"{spec.Stream}\" {streamError}";
            return false;
        }

        var prefix = spec.Durable;
        if (prefix is not null && NatsSubjects.ValidateName(prefix) is { } durableError)
        {
            error = $"spec.jetStream.durable \"{prefix}\" {durableError}";
            return false;
        }

        var deliver = JetStreamDeliverPolicy.All;
        if (spec.DeliverPolicy is { } text)
        {
            var normalized = text.Replace("_", "", StringComparison.Ordinal).Replace("-", "", StringComparison.Ordinal);
            if (!Enum.TryParse(normalized, ignoreCase: true, out deliver) || !Enum.IsDefined(deliver) || int.TryParse(normalized, out _))
            {
                error = $"spec.jetStream.deliverPolicy \"{text}\" must be one of all, new, last, lastPerSubject";
                return false;
            }
        }

        var ackWait = policy.Timeout + AckWaitSlack;
        if (spec.AckWait is { } ackText)
        {
            if (!GoDuration.TryParse(ackText, out ackWait) || ackWait <= TimeSpan.Zero)
            {
                error = $"spec.jetStream.ackWait \"{ackText}\" is not a positive duration (examples: 30s, 1m)";
                return false;
            }

            if (ackWait > MaxAckWait)
            {
                error = $"spec.jetStream.ackWait \"{ackText}\" is longer than the limit of 2h";
                return false;
            }

            if (ackWait <= policy.Timeout)
            {
                error = $"spec.jetStream.ackWait ({ackText}) must be longer than the POST timeout ({policy.Timeout}), or every slow answer is redelivered";
                return false;
            }
        }

        var maxDeliver = spec.MaxDeliver ?? policy.MaxAttempts;
        if (maxDeliver is < 1 or > DeliveryPolicyResolver.MaxAttemptsLimit)
        {
            error = $"spec.jetStream.maxDeliver must be between 1 and {DeliveryPolicyResolver.MaxAttemptsLimit} (got {maxDeliver})";
            return false;
        }

        settings = new JetStreamSettings(spec.Stream!, prefix ?? $"{trigger.Namespace}_{trigger.Name}", deliver, ackWait, maxDeliver);
        error = null;
        return true;
    }

    private sealed record JetStreamSettings(string Stream, string ConsumerPrefix, JetStreamDeliverPolicy DeliverPolicy, TimeSpan AckWait, int MaxDeliver);
}
