using Microsoft.Extensions.Time.Testing;
using Triggers.Core.Dispatch;
using Triggers.Testing;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>The per-attempt timeout runs on the dispatcher's clock: a fake one decides when a hung attempt ends.</summary>
public sealed class DeliveryTimeoutTests : IAsyncLifetime
{
    private static readonly DeliveryPolicy OneAttempt = new(MaxAttempts: 1, InitialBackoff: TimeSpan.FromMilliseconds(10), MaxBackoff: TimeSpan.FromMilliseconds(50), Timeout: TimeSpan.FromSeconds(30));

    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-11-27T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private RecordingFunctionServer _function = null!;
    private DispatcherHost _host = null!;

    public async Task InitializeAsync()
    {
        _function = await RecordingFunctionServer.StartAsync();
        _host = new DispatcherHost(time: _time);
    }

    public async Task DisposeAsync()
    {
        await _function.DisposeAsync();
        _host.Dispose();
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_Hung_Or_Trickling_Function_Times_Out_When_The_Clock_Passes_The_Timeout(bool trickle)
    {
        _function.Respond(_ => trickle ? new FunctionReply { Trickle = TimeSpan.FromMilliseconds(20) } : new FunctionReply(Delay: TimeSpan.FromMinutes(5)));
        var dispatch = _host.Dispatcher.DispatchAsync(Event(), new FunctionEndpoint("ns", "slow", _function.Url), OneAttempt, CancellationToken.None).AsTask();
        await _function.WaitForRequestsAsync(1);

        _time.Advance(OneAttempt.Timeout - TimeSpan.FromMilliseconds(1));
        Assert.False(dispatch.IsCompleted, "nothing timed out before the deadline");
        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.WaitUntilAsync(() => dispatch.IsCompleted, "the attempt ended on its deadline");

        var result = await dispatch;
        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);
        Assert.Equal("timeout after 00:00:30", result.Reason);
        Assert.Equal(1, result.Attempts);
    }

    [Fact]
    public async Task The_Callers_Token_Still_Ends_An_Attempt()
    {
        _function.DelayEach(TimeSpan.FromMinutes(5));
        using var stop = new CancellationTokenSource();
        var dispatch = _host.Dispatcher.DispatchAsync(Event(), new FunctionEndpoint("ns", "slow", _function.Url), OneAttempt, stop.Token).AsTask();
        await _function.WaitForRequestsAsync(1);
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dispatch);
    }

    private static TriggerEvent Event() => DispatchEvents.Minimal();
}
