namespace Triggers.Core.Dispatch;

/// <summary>
/// Thrown by the dispatch client when the circuit breaker of the function's endpoint refused every
/// call it was allowed to try: the function failed too often recently. Retryable.
/// </summary>
public sealed class CircuitOpenException : Exception
{
    public CircuitOpenException()
        : this("The circuit breaker of the function's endpoint is open and is not allowing calls.")
    {
    }

    public CircuitOpenException(string message)
        : base(message)
    {
    }

    public CircuitOpenException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
