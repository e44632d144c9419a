using Microsoft.Extensions.Time.Testing;
using Triggers.Cron.Internal;

namespace Triggers.Cron.Tests;

/// <summary>The pure scheduling decisions, on a fake clock: catch-up, next fire, misfire, concurrency policy.</summary>
public sealed class CronDecisionsTests
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);

    private static CronSchedule EveryTwoSeconds()
    {
        Assert.True(CronSchedule.TryParse("*/2 * * * * *", null, out var schedule, out _, out var error), error);
        return schedule;
    }

    [Fact]
    public void After_A_Failover_Only_The_Most_Recent_Missed_Tick_Fires_And_The_Older_Ones_Are_Counted()
    {
        var lastRecorded = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(7.5));

        var decision = CronDecisions.CatchUp(EveryTwoSeconds(), TimeSpan.FromSeconds(60), lastRecorded, _time.GetUtcNow());

        Assert.Equal(new CatchUpDecision(Start.AddSeconds(6), Missed: 2), decision);
    }

    [Fact]
    public void Without_A_Starting_Deadline_The_Most_Recent_Missed_Tick_Fires_However_Old()
    {
        var lastRecorded = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromDays(1) + TimeSpan.FromSeconds(1));

        var decision = CronDecisions.CatchUp(EveryTwoSeconds(), null, lastRecorded, _time.GetUtcNow());

        Assert.Equal(Start.AddDays(1), decision.Fire);
        Assert.Equal((24 * 60 * 30) - 1, decision.Missed);
    }

    [Fact]
    public void A_Most_Recent_Missed_Tick_Older_Than_The_Starting_Deadline_Is_Counted_Not_Fired()
    {
        var lastRecorded = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(7.5));

        var decision = CronDecisions.CatchUp(EveryTwoSeconds(), TimeSpan.FromSeconds(1), lastRecorded, _time.GetUtcNow());

        Assert.Equal(new CatchUpDecision(null, Missed: 3), decision);
    }

    [Fact]
    public void Nothing_Missed_Means_No_Fire_And_No_Miss()
    {
        var lastRecorded = _time.GetUtcNow();
        _time.Advance(TimeSpan.FromSeconds(1.5));

        Assert.Equal(new CatchUpDecision(null, 0), CronDecisions.CatchUp(EveryTwoSeconds(), TimeSpan.FromSeconds(60), lastRecorded, _time.GetUtcNow()));
        Assert.Equal(new CatchUpDecision(null, 0), CronDecisions.CatchUp(EveryTwoSeconds(), null, _time.GetUtcNow(), lastRecorded));
    }

    [Fact]
    public void The_Largest_Allowed_Starting_Deadline_Is_Decided_Without_Overflow()
    {
        var lastRecorded = DateTimeOffset.MinValue.AddYears(1);

        var decision = CronDecisions.CatchUp(EveryTwoSeconds(), TimeSpan.FromSeconds(CronPlanner.MaxStartingDeadlineSeconds), lastRecorded, _time.GetUtcNow());

        Assert.Equal(Start, decision.Fire);
        Assert.Equal(CronDecisions.MissCountLimit - 1, decision.Missed);
    }

    [Fact]
    public void Resume_After_The_Newest_Record_Any_Source_Holds()
    {
        Assert.Equal(Start.AddSeconds(4), CronDecisions.ResumeAfter(Start, null, Start.AddSeconds(4), Start.AddSeconds(2)));
        Assert.Null(CronDecisions.ResumeAfter(null, null));
    }

    [Fact]
    public void Next_Fire_Follows_The_Later_Of_Now_And_The_Tick_And_Is_None_While_Suspended()
    {
        var schedule = EveryTwoSeconds();
        _time.Advance(TimeSpan.FromSeconds(5));

        Assert.Equal(Start.AddSeconds(6), CronDecisions.NextFire(schedule, suspend: false, Start.AddSeconds(2), _time.GetUtcNow()));
        Assert.Equal(Start.AddSeconds(10), CronDecisions.NextFire(schedule, suspend: false, Start.AddSeconds(8), _time.GetUtcNow()));
        Assert.Null(CronDecisions.NextFire(schedule, suspend: true, Start.AddSeconds(2), _time.GetUtcNow()));
    }

    [Fact]
    public void A_Tick_Handed_Over_Past_The_Misfire_Threshold_Is_Missed()
    {
        var tick = _time.GetUtcNow();
        _time.Advance(CronDecisions.MisfireThreshold);
        Assert.False(CronDecisions.IsMisfired(tick, _time.GetUtcNow()));

        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(CronDecisions.IsMisfired(tick, _time.GetUtcNow()));
    }

    [Theory]
    [InlineData("Forbid", 0, "Start")]
    [InlineData("Forbid", 1, "Skip")]
    [InlineData("Allow", 3, "Start")]
    [InlineData("Replace", 0, "Start")]
    [InlineData("Replace", 2, "Replace")]
    public void Concurrency_Policy_Decides_What_A_Tick_Does_While_Calls_Run(string policy, int running, string expected) =>
        Assert.Equal(Enum.Parse<RunDecision>(expected), CronDecisions.OnTick(Enum.Parse<ConcurrencyPolicy>(policy), running));
}
