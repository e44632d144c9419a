namespace Triggers.Nats.Internal;

/// <summary>
/// Counts one subscription's dropped messages on <c>triggers.nats.dropped</c> (tagged with its
/// trigger and function) and warns at most once per <see cref="Interval"/> with the number dropped since.
/// </summary>
internal sealed class DropReporter(SubscriptionContext context, NatsConnectionHolder connection, TimeProvider time, ILogger logger)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(10);

    private readonly Lock _gate = new();
    private long _unreported;
    private long? _lastLog;

    public void Dropped(int pendingMessages, long pendingBytes)
    {
        connection.CountDropped(context.Tags);
        lock (_gate)
        {
            _unreported++;
            var now = time.GetTimestamp();
            if (_lastLog is { } last && time.GetElapsedTime(last, now) < Interval)
            {
                return;
            }

            _lastLog = now;
            Log.SubscriptionDropping(logger, context.Plan.Key, context.Plan.Subject, _unreported, pendingMessages, pendingBytes);
            _unreported = 0;
        }
    }
}
