using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Triggers.Core.Dispatch;
using Triggers.Core.Policy;
using Triggers.Core.Reconcile;
using Triggers.Core.Resources;
using Triggers.Core.Selectors;
using Triggers.Core.Sources;

namespace Triggers.Cron.Internal;

/// <summary>Validates a CronJobTrigger and turns it into one schedule per target function.</summary>
internal sealed class CronPlanner(FunctionResolver resolver, DeliveryPolicyResolver deliveryResolver) : ITriggerPlanner<CronJobTrigger, CronPlan>
{
    /// <summary>Largest <c>spec.startingDeadlineSeconds</c>: seven days. A tick missed longer ago is counted, not fired.</summary>
    public const long MaxStartingDeadlineSeconds = 7 * 24 * 60 * 60;

    public ResourceKind Kind => ResourceKind.CronJobTrigger;

    public TriggerPlan<CronPlan> Plan(CronJobTrigger trigger, ResourceSnapshot snapshot)
    {
        var spec = trigger.Spec;
        if (!CronSchedule.TryParse(spec.Schedule, spec.TimeZone, out var schedule, out var reason, out var error))
        {
            return TriggerPlan<CronPlan>.Invalid(string.IsNullOrWhiteSpace(spec.Schedule) ? "MissingSchedule" : reason, error);
        }

        if (!TryConcurrency(spec.ConcurrencyPolicy, out var concurrency))
        {
            return TriggerPlan<CronPlan>.Invalid(ConditionReasons.InvalidSpec, $"spec.concurrencyPolicy \"{spec.ConcurrencyPolicy}\" must be Allow, Forbid or Replace");
        }

        if (spec.StartingDeadlineSeconds is < 0 or > MaxStartingDeadlineSeconds)
        {
            return TriggerPlan<CronPlan>.Invalid(ConditionReasons.InvalidSpec, $"spec.startingDeadlineSeconds must be between 0 and {MaxStartingDeadlineSeconds} (7 days) (got {spec.StartingDeadlineSeconds})");
        }

        if (!deliveryResolver.TryResolve(spec.Delivery, out var policy, out error))
        {
            return TriggerPlan<CronPlan>.Invalid(ConditionReasons.InvalidDelivery, error!);
        }

        var hasName = !string.IsNullOrWhiteSpace(spec.FunctionName);
        ResolvedFunctions functions;
        string target;
        if (hasName && spec.FunctionSelector is not null)
        {
            return TriggerPlan<CronPlan>.Invalid(ConditionReasons.InvalidSpec, "set either spec.function-name or spec.functionSelector, not both");
        }

        if (hasName)
        {
            target = $"function {trigger.Namespace}/{spec.FunctionName}";
            functions = resolver.ResolveByName(snapshot, trigger.Namespace, spec.FunctionName!);
            if (functions.Endpoints.Count == 0 && functions.Problems.Count == 0 && functions.Refused.Count == 0)
            {
                return TriggerPlan<CronPlan>.Invalid("FunctionNotFound", $"Function {trigger.Namespace}/{spec.FunctionName} (spec.function-name) does not exist");
            }
        }
        else if (spec.FunctionSelector is not null)
        {
            if (!LabelSelector.TryCompile(spec.FunctionSelector, out var selector, out var selectorError))
            {
                return TriggerPlan<CronPlan>.Invalid("InvalidSelector", $"spec.functionSelector: {selectorError}");
            }

            target = $"functions matching spec.functionSelector in {trigger.Namespace}";
            functions = resolver.Resolve(snapshot, trigger.Namespace, selector);
            if (functions.Endpoints.Count == 0 && functions.Problems.Count == 0 && functions.Refused.Count == 0)
            {
                return TriggerPlan<CronPlan>.Invalid(ConditionReasons.NoMatchingFunctions, $"no Function in namespace {trigger.Namespace} matches spec.functionSelector");
            }
        }
        else
        {
            return TriggerPlan<CronPlan>.Invalid("MissingTarget", "spec.function-name (or spec.functionSelector) is required");
        }

        if (functions.Refused.Count > 0)
        {
            return TriggerPlan<CronPlan>.Invalid(EndpointPolicy.ReasonNotAllowed, string.Join("; ", functions.Refused));
        }

        if (functions.Endpoints.Count == 0)
        {
            return TriggerPlan<CronPlan>.Invalid(ConditionReasons.InvalidFunctionEndpoint, string.Join("; ", functions.Problems));
        }

        var hasPayload = spec.Payload is { ValueKind: not (JsonValueKind.Undefined or JsonValueKind.Null) };
        var body = hasPayload ? JsonSerializer.SerializeToUtf8Bytes(spec.Payload!.Value) : [];
        var deadline = spec.StartingDeadlineSeconds is { } s ? TimeSpan.FromSeconds(s) : (TimeSpan?)null;
        var suspend = spec.Suspend == true;
        string? runNow = null;
        trigger.Metadata.Annotations?.TryGetValue(CronJobTrigger.RunNowAnnotation, out runNow);

        var condition = suspend
            ? new TriggerCondition(true, "Suspended", $"spec.suspend is true; schedule {schedule} for {target} is paused")
            : new TriggerCondition(true, "Scheduled", functions.Problems.Count == 0
                ? $"schedule {schedule} for {target}"
                : $"schedule {schedule} for {target}; skipped: {string.Join("; ", functions.Problems)}");

        var triggerKey = ResourceKey.Of(trigger);
        var recorded = trigger.Status?.LastScheduleTime is { } t
            ? new DateTimeOffset(t.Kind == DateTimeKind.Local ? t.ToUniversalTime() : DateTime.SpecifyKind(t, DateTimeKind.Utc))
            : (DateTimeOffset?)null;
        var plans = functions.Endpoints.Select(endpoint =>
        {
            var scheduleRevision = Hash(schedule.Text, schedule.TimeZone.Id, endpoint.Url.ToString(), Encoding.UTF8.GetString(body), policy.ToString(),
                concurrency.ToString(), deadline?.ToString() ?? "-", suspend ? "suspended" : "active");
            return new CronPlan
            {
                Key = $"{triggerKey.Namespace}/{triggerKey.Name}/{endpoint.Name}",
                Trigger = triggerKey,
                Revision = scheduleRevision + "/" + (runNow ?? ""),
                ScheduleRevision = scheduleRevision,
                Function = endpoint,
                Schedule = schedule,
                Body = body,
                HasPayload = hasPayload,
                Policy = policy,
                Concurrency = concurrency,
                StartingDeadline = deadline,
                Suspend = suspend,
                RunNow = runNow,
                RecordedLastSchedule = recorded,
                Generation = trigger.Metadata.Generation,
                Condition = condition,
                Siblings = functions.Endpoints.Count,
            };
        }).ToList();

        return new TriggerPlan<CronPlan>(plans, condition);
    }

    private static bool TryConcurrency(string? text, out ConcurrencyPolicy policy)
    {
        (var known, policy) = text switch
        {
            null or "" or "Forbid" => (true, ConcurrencyPolicy.Forbid),
            "Allow" => (true, ConcurrencyPolicy.Allow),
            "Replace" => (true, ConcurrencyPolicy.Replace),
            _ => (false, ConcurrencyPolicy.Forbid),
        };
        return known;
    }

    private static string Hash(params string[] parts) =>
        Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(string.Join('\n', parts))))[..16];
}
