namespace Triggers.Core.Dispatch;

/// <summary>What a source does with an event once a dispatch of it ended (see <see cref="DeliveryOutcomeRule"/>).</summary>
public enum Settlement
{
    /// <summary>Delivered: ack the message, commit the offset.</summary>
    Acknowledge,

    /// <summary>Keep the event and try it again after <see cref="SettleDecision.Delay"/> (JetStream: nak with that delay).</summary>
    Retry,

    /// <summary>Write the dead letter, wait for its acknowledgement, then settle the source; if the write fails, ask <see cref="DeliveryOutcomeRule.AfterDeadLetterFailed"/>.</summary>
    DeadLetter,

    /// <summary>Settle the source without delivery; count it (<c>triggers.events.skipped</c>) and log why.</summary>
    Skip,
}
