using System.Diagnostics;
using System.Globalization;
using Triggers.Core.Dispatch;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>The hand-written header formatters write exactly what the framework's formatting writes.</summary>
public sealed class HeaderFormattingTests
{
    [Theory]
    [InlineData("0001-01-01T12:00:00.000Z")]
    [InlineData("2026-11-27T06:30:15.123Z")]
    [InlineData("1999-12-31T23:59:59.999Z")]
    [InlineData("2024-02-29T00:00:00.007Z")]
    [InlineData("9999-12-31T11:59:59.999Z")]
    public void Event_Time_Is_Rfc3339_Utc_With_Milliseconds(string expected)
    {
        var time = DateTimeOffset.Parse(expected, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Equal(expected, EventHeaders.FormatTime(time));
        Assert.Equal(expected, EventHeaders.FormatTime(time.ToOffset(TimeSpan.FromHours(-7))));
    }

    [Fact]
    public void Event_Time_Matches_The_Custom_Format_For_Random_Instants()
    {
        var random = new Random(13);
        for (var i = 0; i < 1000; i++)
        {
            var time = new DateTimeOffset(random.NextInt64(DateTime.MinValue.Ticks, DateTime.MaxValue.Ticks), TimeSpan.Zero);
            Assert.Equal(time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture), EventHeaders.FormatTime(time));
        }
    }

    [Theory]
    [InlineData(true, "01")]
    [InlineData(false, "00")]
    public void Traceparent_Is_Version_Trace_Span_And_Flags(bool recorded, string flags)
    {
        var traceId = ActivityTraceId.CreateRandom();
        var spanId = ActivitySpanId.CreateRandom();
        Assert.Equal($"00-{traceId.ToHexString()}-{spanId.ToHexString()}-{flags}", HttpEventDispatcher.TraceParentOf(traceId, spanId, recorded));
    }
}
