using Triggers.Core.Dispatch;
using Triggers.Testing;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>The attempt timeout covers the whole exchange, replies are bounded, an open breaker is no attempt.</summary>
public sealed class DeliveryBoundsTests : IAsyncLifetime
{
    // A timeout no loaded machine reaches by accident (these tests are about bounds, not time): only the trickle test times out, on purpose.
    private static readonly DeliveryPolicy Once = new(MaxAttempts: 1, InitialBackoff: TimeSpan.FromMilliseconds(10), MaxBackoff: TimeSpan.FromMilliseconds(50), Timeout: TimeSpan.FromSeconds(30));

    private RecordingFunctionServer _function = null!;

    public async Task InitializeAsync() => _function = await RecordingFunctionServer.StartAsync();

    public async Task DisposeAsync() => await _function.DisposeAsync();

    private FunctionEndpoint Endpoint => new("ns", "fn", _function.Url);

    private static TriggerEvent Event() => DispatchEvents.Minimal();

    /// <summary>A dispatcher whose breaker opens once two calls failed, and stays open for the test.</summary>
    private static DispatcherHost BreakerOpenAfterTwoCalls() => new(d =>
    {
        d.BreakerMinimumThroughput = 2;
        d.BreakerBreakDuration = TimeSpan.FromMinutes(1);
    });

    [Fact]
    public async Task A_Body_That_Trickles_Past_The_Timeout_Is_A_Timeout()
    {
        using var host = new DispatcherHost();
        _function.Respond(_ => new FunctionReply(200) { Trickle = TimeSpan.FromMilliseconds(100) });
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        var result = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once with { Timeout = TimeSpan.FromSeconds(1) }, deadline.Token);

        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);
        Assert.Contains("timeout", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_Reply_Past_The_Limit_Is_Cut_And_Flagged()
    {
        using var host = new DispatcherHost(d => d.MaxResponseBodyBytes = 100);
        _function.Respond(_ => new FunctionReply(200, new string('y', 100_000)));
        var cut = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once, CancellationToken.None);
        Assert.True(cut.IsDelivered);
        Assert.True(cut.ResponseTruncated);
        Assert.Equal(100, cut.ResponseBody.Length);

        _function.Respond(_ => new FunctionReply(200, new string('y', 100)));
        var exact = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once, CancellationToken.None);
        Assert.False(exact.ResponseTruncated);
        Assert.Equal(100, exact.ResponseBody.Length);
    }

    [Fact]
    public async Task Retry_After_Of_The_Last_Answer_Is_Reported_Capped()
    {
        using var host = new DispatcherHost(d => d.MaxRetryAfter = TimeSpan.FromSeconds(30));
        _function.Respond(_ => new FunctionReply(429) { Headers = new Dictionary<string, string> { ["Retry-After"] = "7200" } });
        var result = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once, CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(30), result.RetryAfter);
    }

    [Fact]
    public async Task A_Call_The_Open_Breaker_Refuses_Is_Flagged_And_Never_Reaches_The_Function()
    {
        using var host = BreakerOpenAfterTwoCalls();
        _function.RespondWith(500);
        for (var i = 0; i < 4; i++)
        {
            await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once, CancellationToken.None);
        }

        var seen = _function.Count;
        var refused = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once with { MaxAttempts = 3 }, CancellationToken.None);
        Assert.True(refused.CircuitOpen);
        Assert.Equal(seen, _function.Count);
    }

    [Fact]
    public async Task Failed_Attempts_Before_The_Breaker_Opened_Count_When_It_Refuses_The_Rest()
    {
        using var host = BreakerOpenAfterTwoCalls();
        _function.RespondWith(500);

        // Two attempts fail and open the breaker, which refuses the rest of the dispatch: the function
        // did hear the event, so this is an ordinary failure of two attempts, not a refusal.
        var result = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Once with { MaxAttempts = 3 }, CancellationToken.None);

        Assert.Equal(2, _function.Count);
        Assert.False(result.CircuitOpen);
        Assert.Equal(2, result.Attempts);
        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);

        // Its dead letter says what the function last answered (Triggers-Status), and why the dispatch ended.
        Assert.Equal(500, result.StatusCode);
        Assert.StartsWith("circuit open", result.Reason, StringComparison.Ordinal);
    }
}
