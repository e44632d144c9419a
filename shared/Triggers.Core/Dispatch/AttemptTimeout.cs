namespace Triggers.Core.Dispatch;

/// <summary>
/// One reusable per-attempt timeout of <see cref="AttemptTimeouts"/>: a cancellation source that
/// outlives its attempts, the attempt's deadline, and its link to the caller's token.
/// </summary>
internal sealed class AttemptTimeout
{
    /// <summary><see cref="Deadline"/> of a slot no attempt holds.</summary>
    public const long Idle = 0;

    /// <summary><see cref="Deadline"/> once the sweep has taken the attempt as overdue and cancels it.</summary>
    public const long Expired = -1;

    /// <summary>Cancelled on the deadline or with the caller's token; replaced once cancelled.</summary>
    public CancellationTokenSource Source = new();

    /// <summary>The attempt's deadline as a <see cref="TimeProvider"/> timestamp, or <see cref="Idle"/> or <see cref="Expired"/>.</summary>
    public long Deadline;

    /// <summary>The caller's token, passed on to <see cref="Source"/> while the attempt runs.</summary>
    public CancellationTokenRegistration Link;

    /// <summary>The token the attempt sends and reads with.</summary>
    public CancellationToken Token => Source.Token;
}
