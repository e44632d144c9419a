
namespace Triggers.Core.Reconcile;

/// <summary>Why a trigger is or is not ready, in Kubernetes condition terms.</summary>
public sealed record TriggerCondition(bool Ready, string Reason, string Message)
{
    public static TriggerCondition Invalid(string reason, string message) => new(false, reason, message);
}
