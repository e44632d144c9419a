using Confluent.Kafka;
using Triggers.Kafka.Internal;
using Triggers.Kafka.Tests.Infrastructure;

namespace Triggers.Kafka.Tests;

/// <summary>The bookkeeping of one partition: what may be stored when records settle out of order, how it stops, what it may hold.</summary>
public sealed class PartitionFlowTests
{
    [Fact]
    public void Lowest_Pending_Moves_Only_Past_Records_That_Settled_With_Everything_Before_Them()
    {
        using var flow = new PartitionFlow(new TopicPartition("t", 0));
        foreach (var offset in new long[] { 10, 11, 12, 13, 14 })
        {
            flow.AddPending(offset);
        }

        // 12 and 13 settle first: 10 is still unsettled, so nothing beyond it may be stored.
        flow.RemovePending(12);
        flow.RemovePending(13);
        Assert.Equal(10, flow.LowestPending);
        Assert.Equal(5, flow.PendingCount);

        flow.RemovePending(10);
        Assert.Equal(11, flow.LowestPending);

        // 11 settling releases 12 and 13 as well: the next unsettled record is 14.
        flow.RemovePending(11);
        Assert.Equal(14, flow.LowestPending);
        Assert.Equal(1, flow.PendingCount);

        flow.RemovePending(14);
        Assert.Equal(0, flow.PendingCount);
    }

    [Fact]
    public async Task Drain_Completes_Once_The_Last_Detached_Run_Ends()
    {
        using var flow = new PartitionFlow(new TopicPartition("t", 0));
        flow.BeginRun();
        flow.BeginRun();
        var drained = flow.DrainAsync();
        flow.EndRun();
        Assert.False(drained.IsCompleted);
        flow.EndRun();
        Assert.True(drained.IsCompleted);
        await drained;

        using var idle = new PartitionFlow(new TopicPartition("t", 1));
        Assert.True(idle.DrainAsync().IsCompleted);
    }

    [Fact]
    public void Stop_Ends_Waits_But_Leaves_In_Flight_Work_Until_Abandon()
    {
        using var flow = new PartitionFlow(new TopicPartition("t", 0));
        flow.Stop();
        Assert.True(flow.Stopping);
        Assert.True(flow.Stopped.IsCancellationRequested);
        Assert.False(flow.Abandoned.IsCancellationRequested);

        flow.Abandon();
        Assert.True(flow.Abandoned.IsCancellationRequested);
    }

    [Fact]
    public void A_Partition_Is_Paused_At_Its_Share_Of_The_Byte_Bound_And_Resumed_At_Half()
    {
        var plan = TestPlans.Minimal();
        var budget = new BufferBudget(plan, new KafkaOptions { MaxBufferedPerPartition = 1000, MaxBufferedBytesPerConsumer = 4000 }, TimeProvider.System);
        using var flow = new PartitionFlow(new TopicPartition("t", 0));

        // Four partitions: a share of 1000 bytes each.
        flow.Received(600);
        Assert.False(budget.MustPause(flow, partitions: 4));
        flow.Received(400);
        Assert.True(budget.MustPause(flow, partitions: 4));
        flow.Released(400);
        Assert.False(budget.MayResume(flow, partitions: 4));
        flow.Released(200);
        Assert.True(budget.MayResume(flow, partitions: 4));
    }
}
