using Microsoft.Extensions.Options;
using Triggers.Core.Dispatch;
using Triggers.Core.Internal;
using Triggers.Core.Resources;

namespace Triggers.Core.Tests.Dispatch;

public sealed class DeliveryPolicyBoundsTests
{
    private readonly DeliveryPolicyResolver _resolver = new(Options.Create(new TriggersOptions()));

    [Theory]
    [InlineData("100000h", null, null, 5, "spec.delivery.timeout")]
    [InlineData("1h1s", null, null, 5, "spec.delivery.timeout")]
    [InlineData(null, "2h", null, 5, "spec.delivery.backoff.initial")]
    [InlineData(null, null, "1000000000000000000000s", 5, "spec.delivery.backoff.max")]
    [InlineData(null, null, null, 101, "spec.delivery.maxAttempts")]
    public void Out_Of_Range_Values_Name_Their_Field(string? timeout, string? initial, string? max, int attempts, string field)
    {
        var spec = new DeliverySpec { Timeout = timeout, MaxAttempts = attempts, Backoff = new BackoffSpec { Initial = initial, Max = max } };
        Assert.False(_resolver.TryResolve(spec, out _, out var error));
        Assert.Contains(field, error, StringComparison.Ordinal);
    }

    [Fact]
    public void The_Limits_Themselves_Are_Accepted()
    {
        var spec = new DeliverySpec { Timeout = "1h", MaxAttempts = DeliveryPolicyResolver.MaxAttemptsLimit, Backoff = new BackoffSpec { Initial = "1h", Max = "1h" } };
        Assert.True(_resolver.TryResolve(spec, out var policy, out var error), error);
        Assert.Equal(TimeSpan.FromHours(1), policy.Timeout);
    }

    [Theory]
    [InlineData("1e300")]
    [InlineData("100000000000000000000h")]
    [InlineData("99999999999999999999999999999s")]
    public void Huge_Durations_Do_Not_Parse_And_Do_Not_Throw(string text) => Assert.False(GoDuration.TryParse(text, out _));

    [Fact]
    public void Configured_Defaults_Are_Bounded_Too()
    {
        var options = new TriggersOptions { Delivery = { Timeout = TimeSpan.FromDays(60), MaxAttempts = 1000, MaxResponseBodyBytes = -1 } };
        var result = new TriggersOptionsValidator().Validate(null, options);
        Assert.True(result.Failed);
        Assert.Contains(result.Failures!, f => f.Contains("Triggers:Delivery:Timeout", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Triggers:Delivery:MaxAttempts", StringComparison.Ordinal));
        Assert.Contains(result.Failures!, f => f.Contains("Triggers:Delivery:MaxResponseBodyBytes", StringComparison.Ordinal));
    }
}
