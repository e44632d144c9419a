namespace Triggers.Nats;

/// <summary>The durable pull consumer of one (trigger, function) pair.</summary>
public sealed record JetStreamPlan(string Stream, string Consumer, JetStreamDeliverPolicy DeliverPolicy, TimeSpan AckWait, int MaxDeliver);
