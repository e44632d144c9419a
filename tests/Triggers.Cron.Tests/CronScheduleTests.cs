using Triggers.Cron.Internal;

namespace Triggers.Cron.Tests;

public sealed class CronScheduleTests
{
    private static CronSchedule Parse(string text, string? zone = null)
    {
        Assert.True(CronSchedule.TryParse(text, zone, out var schedule, out _, out var error), error);
        return schedule;
    }

    private static DateTimeOffset Utc(string text) => DateTimeOffset.Parse(text + "Z", System.Globalization.CultureInfo.InvariantCulture);

    private static List<DateTimeOffset> Next(CronSchedule schedule, DateTimeOffset from, int count)
    {
        var times = new List<DateTimeOffset>();
        var cursor = from;
        for (var i = 0; i < count; i++)
        {
            cursor = schedule.NextAfter(cursor) ?? throw new InvalidOperationException("schedule ended");
            times.Add(cursor);
        }

        return times;
    }

    [Fact]
    public void Every_Minute_Schedule_Of_The_Book_Fires_On_Each_Minute_Boundary()
    {
        var schedule = Parse("*/1 * * * *");

        var times = Next(schedule, Utc("2026-03-01T10:00:30"), 3);

        Assert.Equal([Utc("2026-03-01T10:01:00"), Utc("2026-03-01T10:02:00"), Utc("2026-03-01T10:03:00")], times);
        Assert.False(schedule.HasSeconds);
    }

    [Fact]
    public void Next_Fire_Is_Strictly_After_A_Boundary()
    {
        var schedule = Parse("*/1 * * * *");

        Assert.Equal(Utc("2026-03-01T10:01:00"), schedule.NextAfter(Utc("2026-03-01T10:00:00")));
    }

    [Fact]
    public void Seconds_Field_Schedule_Fires_Every_Few_Seconds()
    {
        var schedule = Parse("*/15 * * * * *");

        var times = Next(schedule, Utc("2026-03-01T10:00:01"), 4);

        Assert.Equal([Utc("2026-03-01T10:00:15"), Utc("2026-03-01T10:00:30"), Utc("2026-03-01T10:00:45"), Utc("2026-03-01T10:01:00")], times);
        Assert.True(schedule.HasSeconds);
    }

    [Theory]
    [InlineData("@yearly", "2026-03-01T10:00:00", "2027-01-01T00:00:00")]
    [InlineData("@annually", "2026-03-01T10:00:00", "2027-01-01T00:00:00")]
    [InlineData("@monthly", "2026-03-01T10:00:00", "2026-04-01T00:00:00")]
    [InlineData("@weekly", "2026-03-03T10:00:00", "2026-03-08T00:00:00")]
    [InlineData("@daily", "2026-03-01T10:00:00", "2026-03-02T00:00:00")]
    [InlineData("@midnight", "2026-03-01T10:00:00", "2026-03-02T00:00:00")]
    [InlineData("@hourly", "2026-03-01T10:20:00", "2026-03-01T11:00:00")]
    [InlineData("30 4 * * MON-FRI", "2026-03-06T05:00:00", "2026-03-09T04:30:00")]
    [InlineData("0 0 1 JAN,jul *", "2026-03-01T00:00:00", "2026-07-01T00:00:00")]
    [InlineData("0 12 * * 7", "2026-03-02T00:00:00", "2026-03-08T12:00:00")]
    [InlineData("0 12 * * 0", "2026-03-02T00:00:00", "2026-03-08T12:00:00")]
    [InlineData("5/20 * * * *", "2026-03-01T10:06:00", "2026-03-01T10:25:00")]
    [InlineData("0 1-5/2 * * *", "2026-03-01T02:00:00", "2026-03-01T03:00:00")]
    [InlineData("0 9,17 ? * *", "2026-03-01T10:00:00", "2026-03-01T17:00:00")]
    [InlineData("0 0 0 29 2 *", "2026-03-01T00:00:00", "2028-02-29T00:00:00")]
    public void Accepts_Kubernetes_Syntax(string text, string from, string expected)
    {
        Assert.Equal(Utc(expected), Parse(text).NextAfter(Utc(from)));
    }

    [Theory]
    [InlineData("", "InvalidSchedule", "spec.schedule is required")]
    [InlineData("* * *", "InvalidSchedule", "expected 5 fields")]
    [InlineData("* * * * * * *", "InvalidSchedule", "expected 5 fields")]
    [InlineData("61 * * * *", "InvalidSchedule", "minute field \"61\": 61 is above the maximum 59")]
    [InlineData("* 24 * * *", "InvalidSchedule", "hour field")]
    [InlineData("* * 0 * *", "InvalidSchedule", "below the minimum 1")]
    [InlineData("* * * 13 *", "InvalidSchedule", "month field")]
    [InlineData("* * * * 8", "InvalidSchedule", "day-of-week field")]
    [InlineData("*/0 * * * *", "InvalidSchedule", "the step must be a positive whole number")]
    [InlineData("5-2 * * * *", "InvalidSchedule", "the range starts after it ends")]
    [InlineData("0 22-2 * * *", "InvalidSchedule", "the range starts after it ends")]
    [InlineData("* * * FOO *", "InvalidSchedule", "\"FOO\" is not a number or a name")]
    [InlineData("L * * * *", "InvalidSchedule", "is not a number")]
    [InlineData("@every 5m", "InvalidSchedule", "unknown macro")]
    [InlineData("@fortnightly", "InvalidSchedule", "unknown macro")]
    [InlineData("TZ=UTC * * * * *", "InvalidSchedule", "use spec.timeZone")]
    [InlineData("0 0 30 2 *", "InvalidSchedule", "never fires")]
    public void Rejects_Invalid_Schedules_With_The_Reason(string text, string reason, string message)
    {
        Assert.False(CronSchedule.TryParse(text, null, out _, out var actualReason, out var error));
        Assert.Equal(reason, actualReason);
        Assert.Contains(message, error, StringComparison.Ordinal);
    }

    [Fact]
    public void Rejects_An_Unknown_Time_Zone()
    {
        Assert.False(CronSchedule.TryParse("* * * * *", "Mars/Olympus_Mons", out _, out var reason, out var error));
        Assert.Equal("InvalidTimeZone", reason);
        Assert.Contains("spec.timeZone \"Mars/Olympus_Mons\"", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Day_Of_Month_Or_Day_Of_Week_When_Both_Are_Restricted()
    {
        // Kubernetes: the 13th OR any Friday. March 2026: Fri 6, Fri 13, Fri 20; April: Mon 13.
        var schedule = Parse("0 0 13 * 5");

        var days = Next(schedule, Utc("2026-03-01T00:00:00"), 5).Select(t => t.Day).ToList();

        Assert.Equal([6, 13, 20, 27, 3], days);
        Assert.Equal(2, schedule.Expressions.Count);
        Assert.Equal(Utc("2026-04-13T00:00:00"), schedule.NextAfter(Utc("2026-04-10T00:00:01")));
    }

    [Fact]
    public void Day_Of_Week_Alone_Restricts_When_Day_Of_Month_Is_A_Star()
    {
        var schedule = Parse("0 0 * * 1");

        var days = Next(schedule, Utc("2026-03-01T00:00:00"), 3).Select(t => t.DayOfWeek).Distinct();

        Assert.Equal([DayOfWeek.Monday], days);
        Assert.Single(schedule.Expressions);
    }

    [Fact]
    public void A_Stepped_Star_Counts_As_Restricted_Like_Kubernetes()
    {
        // robfig/cron: "*/2" (step > 1) is not a star, so odd days OR Mondays.
        var schedule = Parse("0 0 */2 * 1");

        var days = Next(schedule, Utc("2026-03-01T00:00:01"), 4).Select(t => t.Day).ToList();

        Assert.Equal([2, 3, 5, 7], days);
    }

    [Fact]
    public void Daily_Schedule_In_Berlin_Follows_The_Wall_Clock_Across_The_Autumn_Dst_Change()
    {
        // Berlin leaves summer time on Sunday 25 October 2026 at 01:00 UTC: 09:00 local is 07:00 UTC before, 08:00 UTC after.
        var schedule = Parse("0 9 * * *", "Europe/Berlin");

        var times = Next(schedule, Utc("2026-10-24T00:00:00"), 3);

        Assert.Equal([Utc("2026-10-24T07:00:00"), Utc("2026-10-25T08:00:00"), Utc("2026-10-26T08:00:00")], times);
    }

    [Fact]
    public void Daily_Schedule_In_New_York_Follows_The_Wall_Clock_Across_The_Spring_Dst_Change()
    {
        // New York starts summer time on Sunday 8 March 2026: 06:00 local is 11:00 UTC before, 10:00 UTC after.
        var schedule = Parse("0 6 * * *", "America/New_York");

        var times = Next(schedule, Utc("2026-03-07T00:00:00"), 3);

        Assert.Equal([Utc("2026-03-07T11:00:00"), Utc("2026-03-08T10:00:00"), Utc("2026-03-09T10:00:00")], times);
    }

    [Fact]
    public void A_Time_In_The_Skipped_Spring_Hour_Fires_Once_That_Day()
    {
        // 02:30 does not exist in New York on 8 March 2026 (02:00 jumps to 03:00): the tick runs once, at the jump.
        var schedule = Parse("30 2 * * *", "America/New_York");

        var times = Next(schedule, Utc("2026-03-07T12:00:00"), 2);

        Assert.Equal(Utc("2026-03-08T07:00:00"), times[0]);
        Assert.Equal(Utc("2026-03-09T06:30:00"), times[1]);
    }

    [Fact]
    public void A_Time_In_The_Repeated_Autumn_Hour_Fires_Once()
    {
        // 01:30 happens twice in New York on 1 November 2026 (05:30 and 06:30 UTC); a daily job runs once.
        var schedule = Parse("30 1 * * *", "America/New_York");

        var times = Next(schedule, Utc("2026-10-31T12:00:00"), 2);

        Assert.Equal(Utc("2026-11-01T05:30:00"), times[0]);
        Assert.Equal(Utc("2026-11-02T06:30:00"), times[1]);
    }

    [Fact]
    public void Between_Lists_Missed_Ticks_Oldest_First_Up_To_The_Limit()
    {
        var schedule = Parse("*/1 * * * *");

        var missed = schedule.Between(Utc("2026-03-01T10:00:00"), Utc("2026-03-01T10:03:30"), 10);
        var capped = schedule.Between(Utc("2026-03-01T10:00:00"), Utc("2026-03-01T10:03:30"), 2);

        Assert.Equal([Utc("2026-03-01T10:01:00"), Utc("2026-03-01T10:02:00"), Utc("2026-03-01T10:03:00")], missed);
        Assert.Equal(2, capped.Count);
    }
}
