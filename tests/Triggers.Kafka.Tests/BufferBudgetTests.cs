using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Triggers.Kafka.Internal;
using Triggers.Kafka.Tests.Infrastructure;

namespace Triggers.Kafka.Tests;

/// <summary>
/// The decisions of <see cref="BufferBudget"/>: a partition paused at its record bound and resumed
/// at half, the hold budget of unordered and key modes (none in partition mode), and a partition
/// that settles nothing for <see cref="BufferBudget.StuckAfter"/> no longer counting against it.
/// The byte share is in <see cref="PartitionFlowTests"/>.
/// </summary>
public sealed class BufferBudgetTests
{
    private static readonly KafkaOptions Options = new() { MaxBufferedPerPartition = 10, MaxBufferedBytesPerConsumer = 1_000_000 };

    [Fact]
    public void A_Partition_Is_Paused_At_Its_Record_Bound_And_Resumed_At_Half()
    {
        var budget = new BufferBudget(TestPlans.Minimal(), Options, new FakeTimeProvider());
        using var flow = new PartitionFlow(new TopicPartition("t", 0));
        for (var i = 0; i < 9; i++)
        {
            flow.Received(1);
        }

        Assert.False(budget.MustPause(flow, partitions: 4));
        flow.Received(1);
        Assert.True(budget.MustPause(flow, partitions: 4));

        for (var i = 0; i < 4; i++)
        {
            flow.Released(1);
        }

        Assert.False(budget.MayResume(flow, partitions: 4));
        flow.Released(1);
        Assert.True(budget.MayResume(flow, partitions: 4));
    }

    [Fact]
    public void Unordered_And_Key_Modes_Hold_At_Half_The_Record_Bound_Or_Half_The_Bytes_Partition_Mode_Never_Holds()
    {
        var time = new FakeTimeProvider();
        var options = new KafkaOptions { MaxBufferedPerPartition = 100, MaxBufferedBytesPerConsumer = 4000 };
        var unordered = TestPlans.Minimal(maxInFlight: 4) with { Ordering = KafkaOrdering.Unordered };
        var partition = TestPlans.Minimal(maxInFlight: 4);

        // clamp(2 x maxInFlight, 100 / 2, 100 - 1) = 50 records; half of 4000 bytes.
        var holding = new BufferBudget(unordered, options, time);
        Assert.False(holding.IsHeld(records: 49, bytes: 1999));
        Assert.True(holding.IsHeld(records: 50, bytes: 0));
        Assert.True(holding.IsHeld(records: 0, bytes: 2000));

        var ordered = new BufferBudget(partition, options, time);
        Assert.False(ordered.IsHeld(records: 1_000_000, bytes: long.MaxValue - 1));
    }

    [Fact]
    public void A_Partition_That_Settles_Nothing_For_A_Second_Is_Stuck_One_That_Holds_Nothing_Never_Is()
    {
        var time = new FakeTimeProvider();
        var budget = new BufferBudget(TestPlans.Minimal() with { Ordering = KafkaOrdering.Key }, Options, time);
        using var waiting = new PartitionFlow(new TopicPartition("t", 0)) { LastSettled = time.GetTimestamp() };
        using var idle = new PartitionFlow(new TopicPartition("t", 1)) { LastSettled = time.GetTimestamp() };
        waiting.Received(100);

        time.Advance(BufferBudget.StuckAfter - TimeSpan.FromMilliseconds(1));
        budget.MarkStuck([waiting, idle], time.GetTimestamp());
        Assert.False(waiting.Stuck);

        time.Advance(TimeSpan.FromMilliseconds(1));
        budget.MarkStuck([waiting, idle], time.GetTimestamp());
        Assert.True(waiting.Stuck);
        Assert.False(idle.Stuck);
    }
}
