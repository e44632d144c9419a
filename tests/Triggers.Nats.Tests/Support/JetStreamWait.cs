using NATS.Client.JetStream;
using Triggers.Testing;

namespace Triggers.Nats.Tests.Support;

/// <summary>Waits on what JetStream itself says about a durable consumer.</summary>
internal static class JetStreamWait
{
    /// <summary>Until the consumer has nothing pending and nothing un-acknowledged: every message settled.</summary>
    public static async Task UntilSettledAsync(NatsJSContext js, string stream, string consumer, string because)
    {
        var info = await js.GetConsumerAsync(stream, consumer).ConfigureAwait(false);
        await Eventually.WaitUntilAsync(async () =>
        {
            await info.RefreshAsync().ConfigureAwait(false);
            return info.Info.NumPending == 0 && info.Info.NumAckPending == 0;
        }, because).ConfigureAwait(false);
    }
}
