using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;

namespace Triggers.Core.Tests.Dispatch;

public sealed class DeliveryOutcomeRuleTests
{
    private static readonly DeliveryPolicy Policy = new(MaxAttempts: 3, InitialBackoff: TimeSpan.FromSeconds(1), MaxBackoff: TimeSpan.FromSeconds(8), Timeout: TimeSpan.FromSeconds(5));

    private readonly DeliveryOutcomeRule _rule = new(Options.Create(new TriggersOptions { Delivery = { MaxRetryAfter = TimeSpan.FromMinutes(1) } }));

    private static DispatchResult Result(DispatchOutcome outcome, int? status = null) =>
        new(outcome, status, ReadOnlyMemory<byte>.Empty, null, 1, null, TimeSpan.Zero);

    [Theory]
    [InlineData(SourceDurability.Durable, true)]
    [InlineData(SourceDurability.Durable, false)]
    [InlineData(SourceDurability.Transient, true)]
    public void Delivered_Is_Acknowledged(SourceDurability durability, bool deadLetter) =>
        Assert.Equal(Settlement.Acknowledge, _rule.Decide(Result(DispatchOutcome.Delivered, 200), Policy, durability, deadLetter, 1).Action);

    [Theory]
    [InlineData(SourceDurability.Durable)]
    [InlineData(SourceDurability.Transient)]
    public void Poison_Goes_To_The_Dead_Letter_Target_Or_Is_Skipped(SourceDurability durability)
    {
        Assert.Equal(Settlement.DeadLetter, _rule.Decide(Result(DispatchOutcome.Poison, 400), Policy, durability, true, 1).Action);
        Assert.Equal(Settlement.Skip, _rule.Decide(Result(DispatchOutcome.Poison, 400), Policy, durability, false, 1).Action);
    }

    [Fact]
    public void Durable_Without_Dead_Letter_Retries_For_Ever_With_Capped_Backoff()
    {
        foreach (var attempts in new[] { 1, 3, 50, 10_000, int.MaxValue })
        {
            var decision = _rule.Decide(Result(DispatchOutcome.Retryable, 503), Policy, SourceDurability.Durable, false, attempts);
            Assert.Equal(Settlement.Retry, decision.Action);
            Assert.InRange(decision.Delay, TimeSpan.FromMilliseconds(800), Policy.MaxBackoff);
        }
    }

    [Fact]
    public void Durable_With_Dead_Letter_Retries_Until_Max_Attempts_Then_Dead_Letters()
    {
        Assert.Equal(Settlement.Retry, _rule.Decide(Result(DispatchOutcome.Retryable, 503), Policy, SourceDurability.Durable, true, 2).Action);
        Assert.Equal(Settlement.DeadLetter, _rule.Decide(Result(DispatchOutcome.Retryable, 503), Policy, SourceDurability.Durable, true, 3).Action);
    }

    [Fact]
    public void An_Open_Breaker_Does_Not_Count_As_An_Attempt()
    {
        var refused = Result(DispatchOutcome.Retryable) with { CircuitOpen = true };
        var decision = _rule.Decide(refused, Policy, SourceDurability.Durable, true, 3);
        Assert.Equal(Settlement.Retry, decision.Action);
        Assert.False(decision.CountsAsAttempt);
    }

    [Fact]
    public void Retry_After_Wins_Over_The_Backoff_And_Is_Capped()
    {
        var asked = Result(DispatchOutcome.Retryable, 429) with { RetryAfter = TimeSpan.FromSeconds(20) };
        Assert.Equal(TimeSpan.FromSeconds(20), _rule.Decide(asked, Policy, SourceDurability.Durable, false, 1).Delay);
        var greedy = asked with { RetryAfter = TimeSpan.FromDays(400) };
        Assert.Equal(TimeSpan.FromMinutes(1), _rule.Decide(greedy, Policy, SourceDurability.Durable, false, 1).Delay);
    }

    [Fact]
    public void Transient_Sources_Dead_Letter_Or_Skip_After_The_In_Process_Attempts()
    {
        Assert.Equal(Settlement.DeadLetter, _rule.Decide(Result(DispatchOutcome.Retryable, 503), Policy, SourceDurability.Transient, true, 1).Action);
        Assert.Equal(Settlement.Skip, _rule.Decide(Result(DispatchOutcome.Retryable, 503), Policy, SourceDurability.Transient, false, 1).Action);
    }

    [Fact]
    public void A_Failed_Dead_Letter_Write_Keeps_A_Durable_Event()
    {
        var decision = _rule.AfterDeadLetterFailed(Policy, SourceDurability.Durable, 1);
        Assert.Equal(Settlement.Retry, decision.Action);
        Assert.False(decision.CountsAsAttempt);
        Assert.Equal(Settlement.Skip, _rule.AfterDeadLetterFailed(Policy, SourceDurability.Transient, 1).Action);
    }

    [Fact]
    public void Backoff_Never_Exceeds_What_Timers_Accept()
    {
        Assert.Equal(Backoff.MaxDelay, Backoff.Clamp(TimeSpan.FromDays(100_000)));
        Assert.True(Backoff.Next(TimeSpan.FromHours(1), TimeSpan.MaxValue, 40) <= Backoff.MaxDelay);
    }
}
