using Confluent.Kafka;
using Microsoft.Extensions.Time.Testing;
using Triggers.Kafka.Internal;
using Triggers.Kafka.Tests.Infrastructure;

namespace Triggers.Kafka.Tests;

/// <summary>
/// The decisions of <see cref="BufferBudget"/>: the consumer holds at its byte bound (librdkafka's
/// prefetch kept), and a partition is paused only for its own bounds.
/// </summary>
public sealed class BufferBudgetTests
{
    private static readonly KafkaOptions Options = new() { MaxBufferedPerPartition = 10, MaxBufferedBytesPerConsumer = 4000 };

    [Fact]
    public void A_Flowing_Partition_Past_Its_Byte_Share_Is_Not_Paused_The_Consumer_Holds_At_The_Whole_Bound()
    {
        var budget = new BufferBudget(TestPlans.Minimal(), Options, new FakeTimeProvider());
        using var flow = new PartitionFlow(new TopicPartition("t", 0));

        // Four partitions, a share of 1000 bytes each: this one holds three shares and still flows.
        flow.Received(3000);
        Assert.False(budget.MustPause(flow, partitions: 4));
        Assert.Equal(3000, budget.Counted(flow, partitions: 4, othersFlow: true));
        Assert.False(budget.IsHeld(records: 1, bytes: 3999));
        Assert.True(budget.IsHeld(records: 1, bytes: 4000));
    }

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
        flow.Paused = true;

        for (var i = 0; i < 4; i++)
        {
            flow.Released(1);
        }

        Assert.False(budget.MayResume(flow, partitions: 4, held: false));
        flow.Released(1);
        Assert.True(budget.MayResume(flow, partitions: 4, held: true));
    }

    [Fact]
    public void A_Partition_That_Settles_Nothing_For_A_Second_While_Held_Counts_Only_Its_Share_And_Is_Paused_There()
    {
        var time = new FakeTimeProvider();
        var budget = new BufferBudget(TestPlans.Minimal(), Options, time);
        using var stuck = new PartitionFlow(new TopicPartition("t", 0)) { LastSettled = time.GetTimestamp() };
        using var idle = new PartitionFlow(new TopicPartition("t", 1)) { LastSettled = time.GetTimestamp() };
        for (var i = 0; i < 3; i++)
        {
            stuck.Received(1000);
        }

        time.Advance(BufferBudget.StuckAfter - TimeSpan.FromMilliseconds(1));
        budget.MarkStuck([stuck, idle], time.GetTimestamp());
        Assert.False(stuck.Stuck);

        time.Advance(TimeSpan.FromMilliseconds(1));
        budget.MarkStuck([stuck, idle], time.GetTimestamp());
        Assert.True(stuck.Stuck);
        Assert.False(idle.Stuck); // it holds nothing: nothing of it waits

        // Two partitions, a share of 2000 bytes: the other partition keeps 2000 bytes of room; when every
        // partition is stuck, all bytes count (no room is kept for anyone).
        Assert.Equal(2000, budget.Counted(stuck, partitions: 2, othersFlow: true));
        Assert.Equal(3000, budget.Counted(stuck, partitions: 2, othersFlow: false));
        Assert.True(budget.MustPause(stuck, partitions: 2));
        stuck.Paused = true;
        stuck.Released(1000);
        Assert.False(budget.MayResume(stuck, partitions: 2, held: true));
        stuck.Released(1000);
        Assert.True(budget.MayResume(stuck, partitions: 2, held: true));
    }

    [Fact]
    public void A_Partition_Paused_For_Room_Resumes_Once_The_Consumer_No_Longer_Holds()
    {
        var budget = new BufferBudget(TestPlans.Minimal(), Options, new FakeTimeProvider());
        using var flow = new PartitionFlow(new TopicPartition("t", 0)) { Paused = true, PausedForRoom = true };
        for (var i = 0; i < 8; i++)
        {
            flow.Received(100);
        }

        Assert.False(budget.MayResume(flow, partitions: 4, held: true));
        Assert.True(budget.MayResume(flow, partitions: 4, held: false));

        flow.Received(100);
        flow.Received(100);
        Assert.False(budget.MayResume(flow, partitions: 4, held: false)); // at its record bound now
    }

    [Fact]
    public void Partition_Order_Holds_Only_At_The_Byte_Bound_The_Other_Orders_Also_At_The_Record_Budget()
    {
        var partition = new BufferBudget(TestPlans.Minimal(maxInFlight: 2), Options, new FakeTimeProvider());
        Assert.False(partition.IsHeld(records: 1_000_000, bytes: 3999));
        Assert.True(partition.IsHeld(records: 0, bytes: 4000));

        // clamp(2 x 2, 10 / 2, 10 - 1) = 5 records.
        var unordered = new BufferBudget(TestPlans.Minimal(maxInFlight: 2) with { Ordering = KafkaOrdering.Unordered }, Options, new FakeTimeProvider());
        Assert.False(unordered.IsHeld(records: 4, bytes: 0));
        Assert.True(unordered.IsHeld(records: 5, bytes: 0));
        Assert.True(unordered.IsHeld(records: 0, bytes: 4000));
    }
}
