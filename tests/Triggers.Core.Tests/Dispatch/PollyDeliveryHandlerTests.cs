using Triggers.Benchmarks.PollyWorker;
using Triggers.Core.Dispatch;
using Triggers.Testing;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>
/// The Polly.Core handler the polly-ab benchmark measures behaves like <see cref="DeliveryHandler"/>
/// where it matters, so the A/B compares equals: each test runs against both.
/// </summary>
public sealed class PollyDeliveryHandlerTests : IAsyncLifetime
{
    private static readonly DeliveryPolicy Fast = new(MaxAttempts: 5, InitialBackoff: TimeSpan.FromMilliseconds(10), MaxBackoff: TimeSpan.FromMilliseconds(50), Timeout: TimeSpan.FromSeconds(10));

    private RecordingFunctionServer _function = null!;

    public static TheoryData<string> Handlers => ["DeliveryHandler", "Polly.Core"];

    public async Task InitializeAsync() => _function = await RecordingFunctionServer.StartAsync();

    public async Task DisposeAsync() => await _function.DisposeAsync();

    private FunctionEndpoint Endpoint => new("ns", "fn", _function.Url);

    private static DispatcherHost Host(string handler, Action<DeliveryOptions>? configure = null) =>
        new(configure, handler == "Polly.Core" ? (delivery, time) => new PollyDeliveryHandler(delivery, time) : null);

    private static TriggerEvent Event() => DispatchEvents.Minimal();

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task Retries_503_Then_Succeeds(string handler)
    {
        using var host = Host(handler);
        _function.FailFirst(2, 503);
        var result = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Fast, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Delivered, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, _function.Count);
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task The_Breaker_Opens_And_A_Refused_Call_Is_No_Attempt(string handler)
    {
        using var host = Host(handler, d =>
        {
            d.BreakerMinimumThroughput = 2;
            d.BreakerBreakDuration = TimeSpan.FromMinutes(1);
        });
        _function.RespondWith(500);
        for (var i = 0; i < 4; i++)
        {
            await host.Dispatcher.DispatchAsync(Event(), Endpoint, Fast with { MaxAttempts = 1 }, CancellationToken.None);
        }

        var seen = _function.Count;
        Assert.True(seen < 4, $"the breaker opened after 2 failures (the function got {seen} of 4 calls)");
        var refused = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Fast with { MaxAttempts = 3 }, CancellationToken.None);
        Assert.True(refused.CircuitOpen);
        Assert.Contains("circuit open", refused.Reason, StringComparison.Ordinal);
        Assert.Equal(1, refused.Attempts);
        Assert.Equal(seen, _function.Count);
    }

    [Theory]
    [MemberData(nameof(Handlers))]
    public async Task A_Body_That_Trickles_Past_The_Timeout_Is_A_Retryable_Timeout(string handler)
    {
        using var host = Host(handler);
        _function.Respond(_ => new FunctionReply(200) { Trickle = TimeSpan.FromMilliseconds(100) });
        var result = await host.Dispatcher.DispatchAsync(Event(), Endpoint, Fast with { MaxAttempts = 2, Timeout = TimeSpan.FromMilliseconds(300) }, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);
        Assert.Contains("timeout", result.Reason, StringComparison.Ordinal);
        Assert.Equal(2, result.Attempts);
    }
}
