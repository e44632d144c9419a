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

    [Fact]
    public void New_Event_Ids_Are_Distinct_Version_4_Uuids_In_32_Hex_Digits()
    {
        var ids = Enumerable.Range(0, 10_000).Select(_ => EventHeaders.NewEventId()).ToList();
        Assert.Equal(ids.Count, ids.Distinct(StringComparer.Ordinal).Count());
        Assert.All(ids, id =>
        {
            Assert.Matches("^[0-9a-f]{32}$", id);
            var uuid = Guid.ParseExact(id, "N");
            Assert.Equal(4, uuid.Version);
            Assert.Equal(0b10, uuid.Variant >> 2);
        });
    }

    [Fact]
    public void A_New_Trace_Context_Is_Valid_And_A_Parent_Keeps_Its_Trace()
    {
        using var fresh = new HttpRequestMessage();
        HttpEventDispatcher.AddTraceContext(Event(traceParent: null), fresh.Headers);
        var made = Assert.Single(fresh.Headers.GetValues(EventHeaders.TraceParent));
        Assert.True(ActivityContext.TryParse(made, null, out var context), made);
        Assert.NotEqual(default, context.TraceId);
        Assert.NotEqual(default, context.SpanId);

        const string Parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        using var child = new HttpRequestMessage();
        HttpEventDispatcher.AddTraceContext(Event(Parent), child.Headers);
        var sent = Assert.Single(child.Headers.GetValues(EventHeaders.TraceParent));
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", sent, StringComparison.Ordinal);
        Assert.EndsWith("-01", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("b7ad6b7169203331", sent, StringComparison.Ordinal);
    }

    private static TriggerEvent Event(string? traceParent) => new()
    {
        Id = "e1",
        Time = DateTimeOffset.UnixEpoch,
        EventNamespace = "natstriggers.kubeless.io",
        Topic = "t",
        Source = "/s",
        Type = "io.kubeless.nats.message",
        TraceParent = traceParent,
    };
}
