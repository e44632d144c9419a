using System.Runtime.CompilerServices;
using Triggers.Core.Resources;

namespace Triggers.Core.Reconcile;

/// <summary>
/// One running subscription's part in its trigger's <c>Degraded</c> condition. The worker reports an
/// unexpected exception while handling an event with <see cref="Failed"/> and calls
/// <see cref="Handled"/> after every event it handled: a field read unless the subscription is
/// failing. Disposed when the subscription stops.
/// </summary>
public sealed class SubscriptionHealth : IDisposable
{
    private readonly TriggerHealthReporter _reporter;
    private volatile bool _failing;

    internal SubscriptionHealth(TriggerHealthReporter reporter, ResourceKind kind, ResourceKey trigger)
    {
        _reporter = reporter;
        Kind = kind;
        Trigger = trigger;
    }

    public ResourceKind Kind { get; }

    public ResourceKey Trigger { get; }

    /// <summary>True from a failure until the next event handled; written under the reporter's lock.</summary>
    internal bool IsFailing
    {
        get => _failing;
        set => _failing = value;
    }

    /// <summary>
    /// Handling one event threw <paramref name="exception"/>: marks the trigger Degraded with
    /// <paramref name="reason"/> and a message of <paramref name="what"/> (never an event body)
    /// and the exception's type and message.
    /// </summary>
    public void Failed(string reason, string what, Exception exception) => _reporter.Failed(this, reason, what, exception);

    /// <summary>An event was handled without an unexpected exception.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Handled()
    {
        if (_failing)
        {
            _reporter.Recovered(this, "a later event was handled");
        }
    }

    public void Dispose() => _reporter.Recovered(this, "the subscription that failed stopped");
}
