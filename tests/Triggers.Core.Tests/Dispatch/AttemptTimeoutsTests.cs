using Microsoft.Extensions.Time.Testing;
using Triggers.Core.Dispatch;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>Per-attempt timeouts on one timer, driven by a fake clock.</summary>
public sealed class AttemptTimeoutsTests : IDisposable
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly AttemptTimeouts _timeouts;

    public AttemptTimeoutsTests() => _timeouts = new AttemptTimeouts(_time);

    public void Dispose() => _timeouts.Dispose();

    [Fact]
    public void An_Attempt_Is_Cancelled_On_Its_Deadline_And_Not_Before()
    {
        var attempt = _timeouts.Start(TimeSpan.FromSeconds(2), CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(1999));
        Assert.False(attempt.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        Assert.True(attempt.Token.IsCancellationRequested);
        _timeouts.End(attempt);
    }

    [Fact]
    public void An_Attempt_Ended_In_Time_Is_Never_Cancelled_And_Its_Source_Serves_The_Next()
    {
        var first = _timeouts.Start(TimeSpan.FromSeconds(1), CancellationToken.None);
        var token = first.Token;
        _timeouts.End(first);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.False(token.IsCancellationRequested);

        var second = _timeouts.Start(TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.Same(first, second);
        Assert.False(second.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(second.Token.IsCancellationRequested);
        _timeouts.End(second);
    }

    [Fact]
    public void A_Shorter_Timeout_Started_Later_Still_Fires_On_Its_Own_Deadline()
    {
        var slow = _timeouts.Start(TimeSpan.FromSeconds(30), CancellationToken.None);
        _time.Advance(TimeSpan.FromSeconds(1));
        var fast = _timeouts.Start(TimeSpan.FromMilliseconds(500), CancellationToken.None);
        _time.Advance(TimeSpan.FromMilliseconds(500));
        Assert.True(fast.Token.IsCancellationRequested);
        Assert.False(slow.Token.IsCancellationRequested);

        // The timer moves on to the next deadline by itself.
        _time.Advance(TimeSpan.FromSeconds(28.4));
        Assert.False(slow.Token.IsCancellationRequested);
        _time.Advance(TimeSpan.FromSeconds(0.1));
        Assert.True(slow.Token.IsCancellationRequested);
        _timeouts.End(fast);
        _timeouts.End(slow);
    }

    [Fact]
    public void Many_Attempts_Each_Expire_On_Their_Own_Deadline()
    {
        var attempts = Enumerable.Range(1, 40).Select(i => _timeouts.Start(TimeSpan.FromMilliseconds(100 * i), CancellationToken.None)).ToList();
        for (var i = 0; i < attempts.Count; i++)
        {
            _time.Advance(TimeSpan.FromMilliseconds(100));
            Assert.All(attempts.Take(i + 1), a => Assert.True(a.Token.IsCancellationRequested));
            Assert.All(attempts.Skip(i + 1), a => Assert.False(a.Token.IsCancellationRequested));
        }

        attempts.ForEach(_timeouts.End);
    }

    [Fact]
    public void The_Callers_Token_Cancels_The_Attempt_And_The_Next_Attempt_Starts_Uncancelled()
    {
        using var stop = new CancellationTokenSource();
        var attempt = _timeouts.Start(TimeSpan.FromSeconds(30), stop.Token);
        stop.Cancel();
        Assert.True(attempt.Token.IsCancellationRequested);
        _timeouts.End(attempt);

        var next = _timeouts.Start(TimeSpan.FromSeconds(30), CancellationToken.None);
        Assert.False(next.Token.IsCancellationRequested);
        _timeouts.End(next);
    }

    [Fact]
    public void An_Expired_Source_Is_Replaced_Never_Reset()
    {
        var attempt = _timeouts.Start(TimeSpan.FromSeconds(1), CancellationToken.None);
        var expired = attempt.Token;
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.True(expired.IsCancellationRequested);
        _timeouts.End(attempt);

        var next = _timeouts.Start(TimeSpan.FromSeconds(1), CancellationToken.None);
        Assert.False(next.Token.IsCancellationRequested);
        Assert.True(expired.IsCancellationRequested);
        _timeouts.End(next);
    }

    [Fact]
    public void A_Caller_Cancelled_After_The_Attempt_Ended_Does_Not_Reach_The_Next()
    {
        using var stop = new CancellationTokenSource();
        var attempt = _timeouts.Start(TimeSpan.FromSeconds(30), stop.Token);
        _timeouts.End(attempt);
        var next = _timeouts.Start(TimeSpan.FromSeconds(30), CancellationToken.None);
        stop.Cancel();
        Assert.False(next.Token.IsCancellationRequested);
        _timeouts.End(next);
    }
}
