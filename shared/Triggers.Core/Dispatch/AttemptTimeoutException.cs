namespace Triggers.Core.Dispatch;

/// <summary>
/// Thrown by the dispatch client when the last attempt did not finish, answer body included, within
/// the delivery policy's per-attempt timeout. Retryable.
/// </summary>
public sealed class AttemptTimeoutException : Exception
{
    public AttemptTimeoutException()
        : this("The attempt didn't complete within the allowed timeout.")
    {
    }

    public AttemptTimeoutException(string message)
        : base(message)
    {
    }

    public AttemptTimeoutException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public AttemptTimeoutException(TimeSpan timeout, Exception? innerException = null)
        : base($"The attempt didn't complete within the allowed timeout of '{timeout}'.", innerException)
    {
        Timeout = timeout;
    }

    /// <summary>The per-attempt timeout that ran out.</summary>
    public TimeSpan Timeout { get; }
}
