using Microsoft.Extensions.Time.Testing;
using Triggers.Core.Dispatch;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>The per-endpoint circuit breaker's states on a fake clock.</summary>
public sealed class EndpointBreakerTests
{
    private static readonly DeliveryOptions Options = new()
    {
        BreakerFailureRatio = 0.5,
        BreakerMinimumThroughput = 4,
        BreakerSamplingDuration = TimeSpan.FromSeconds(10),
        BreakerBreakDuration = TimeSpan.FromSeconds(5),
    };

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Stays_Closed_Below_The_Minimum_Throughput_Even_When_Everything_Fails()
    {
        var breaker = new EndpointBreaker(Options, _time);
        for (var i = 0; i < 3; i++)
        {
            Assert.True(breaker.TryEnter(out _));
            breaker.Record(success: false, trial: false);
        }

        Assert.True(breaker.TryEnter(out var trial));
        Assert.False(trial);
    }

    [Fact]
    public void Opens_At_The_Failure_Ratio_Then_Lets_One_Trial_Through_After_The_Break()
    {
        var breaker = new EndpointBreaker(Options, _time);
        Fail(breaker, successes: 2, failures: 2);

        Assert.False(breaker.TryEnter(out _));
        _time.Advance(TimeSpan.FromSeconds(4.9));
        Assert.False(breaker.TryEnter(out _));

        _time.Advance(TimeSpan.FromSeconds(0.2));
        Assert.True(breaker.TryEnter(out var trial));
        Assert.True(trial);

        // Only one trial at a time.
        Assert.False(breaker.TryEnter(out _));

        breaker.Record(success: true, trial: true);
        Assert.True(breaker.TryEnter(out trial));
        Assert.False(trial);
    }

    [Fact]
    public void A_Failed_Trial_Opens_The_Circuit_For_Another_Break()
    {
        var breaker = new EndpointBreaker(Options, _time);
        Fail(breaker, successes: 0, failures: 4);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryEnter(out var trial));
        breaker.Record(success: false, trial);

        Assert.False(breaker.TryEnter(out _));
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryEnter(out trial));
        Assert.True(trial);
    }

    [Fact]
    public void An_Abandoned_Trial_Lets_The_Next_Call_Try_Again()
    {
        var breaker = new EndpointBreaker(Options, _time);
        Fail(breaker, successes: 0, failures: 4);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.True(breaker.TryEnter(out var trial));
        breaker.Abandon(trial);

        Assert.True(breaker.TryEnter(out trial));
        Assert.True(trial);
    }

    [Fact]
    public void Failures_Older_Than_The_Sampling_Duration_No_Longer_Count()
    {
        var breaker = new EndpointBreaker(Options, _time);
        Fail(breaker, successes: 0, failures: 3);
        _time.Advance(TimeSpan.FromSeconds(11));

        // Three fresh successes and one failure: 1 of 4 failed, below the ratio.
        Fail(breaker, successes: 3, failures: 1);
        Assert.True(breaker.TryEnter(out var trial));
        Assert.False(trial);
    }

    private static void Fail(EndpointBreaker breaker, int successes, int failures)
    {
        for (var i = 0; i < successes; i++)
        {
            Assert.True(breaker.TryEnter(out _));
            breaker.Record(success: true, trial: false);
        }

        for (var i = 0; i < failures; i++)
        {
            Assert.True(breaker.TryEnter(out _));
            breaker.Record(success: false, trial: false);
        }
    }
}
