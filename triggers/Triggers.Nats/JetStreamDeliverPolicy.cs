namespace Triggers.Nats;

/// <summary>Where a new durable consumer starts in its stream (<c>spec.jetStream.deliverPolicy</c>).</summary>
public enum JetStreamDeliverPolicy
{
    All,
    New,
    Last,
    LastPerSubject,
}
