namespace Triggers.Kafka;

/// <summary>How records of one partition may overtake each other on their way to the function.</summary>
public enum KafkaOrdering
{
    /// <summary>One record at a time per partition; partitions in parallel (default).</summary>
    Partition,

    /// <summary>Records with the same key in order; different keys (and keyless records) in parallel.</summary>
    Key,

    /// <summary>No order; up to <c>maxInFlight</c> records at once.</summary>
    Unordered,
}
