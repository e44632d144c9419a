
namespace Triggers.Core.Resources;

/// <summary>A Kubeless <c>CronJobTrigger</c>: calls a function on a schedule.</summary>
public sealed class CronJobTrigger : TriggerResource<CronJobTriggerSpec>
{
    public const string KindName = "CronJobTrigger";
    public const string Plural = "cronjobtriggers";
    public const string EventNamespace = "cronjobtriggers.kubeless.io";

    /// <summary>Setting this annotation to a new value fires the trigger once.</summary>
    public const string RunNowAnnotation = "triggers/run-now";

    public CronJobTrigger() => Kind = KindName;
}
