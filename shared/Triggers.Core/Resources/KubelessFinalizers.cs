namespace Triggers.Core.Resources;

/// <summary>
/// The finalizer the Kubeless CLI put on each kind of trigger. The worker of that kind removes it
/// once it has cleaned up after a deleted trigger; it never adds one (docs/kubernetes.md says why).
/// </summary>
public static class KubelessFinalizers
{
    public const string NatsTrigger = "kubeless.io/natstrigger";
    public const string KafkaTrigger = "kubeless.io/kafkatrigger";
    public const string CronJobTrigger = "kubeless.io/cronjobtrigger";

    /// <summary>The Kubeless finalizer of <paramref name="kind"/>, or null for kinds that have none.</summary>
    public static string? Of(ResourceKind kind) =>
        kind == ResourceKind.NatsTrigger ? NatsTrigger
        : kind == ResourceKind.KafkaTrigger ? KafkaTrigger
        : kind == ResourceKind.CronJobTrigger ? CronJobTrigger
        : null;
}
