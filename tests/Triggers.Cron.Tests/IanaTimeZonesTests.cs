using NodaTime;
using Triggers.Cron.Internal;

namespace Triggers.Cron.Tests;

/// <summary>The embedded time zones (no tzdata on the machine) give the offsets of the IANA database, transitions included.</summary>
public sealed class IanaTimeZonesTests
{
    [Theory]
    [InlineData("Europe/Berlin")]
    [InlineData("America/New_York")]
    [InlineData("Australia/Sydney")]
    [InlineData("Pacific/Auckland")]
    [InlineData("America/Santiago")]
    [InlineData("Europe/Dublin")]
    [InlineData("Asia/Kolkata")]
    [InlineData("Asia/Tehran")]
    [InlineData("America/Sao_Paulo")]
    [InlineData("UTC")]
    public void Embedded_Zone_Has_The_Offset_Of_The_Iana_Database_Every_Half_Hour(string id)
    {
        var embedded = IanaTimeZones.FromEmbedded(id);
        Assert.NotNull(embedded);
        var iana = DateTimeZoneProviders.Tzdb[id];

        var mismatches = new List<string>();
        for (var t = new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc); t < new DateTime(2031, 1, 1, 0, 0, 0, DateTimeKind.Utc); t = t.AddMinutes(30))
        {
            var expected = iana.GetUtcOffset(Instant.FromDateTimeUtc(t)).ToTimeSpan();
            var actual = embedded.GetUtcOffset(t);
            if (expected != actual)
            {
                mismatches.Add($"{t:O}: {actual} instead of {expected}");
            }
        }

        Assert.True(mismatches.Count == 0, $"{id}: {mismatches.Count} mismatches, first: {string.Join("; ", mismatches.Take(5))}");
    }

    [Fact]
    public void Schedule_In_An_Embedded_Zone_Fires_At_Local_Nine_Across_Both_Transitions()
    {
        var berlin = IanaTimeZones.FromEmbedded("Europe/Berlin")!;
        var expression = Quartz.CronExpression.Parse("0 0 9 * * ?").WithTimeZone(berlin);

        // 2026: summer time from 29 March, back on 25 October.
        Assert.Equal(new DateTimeOffset(2026, 3, 28, 8, 0, 0, TimeSpan.Zero), expression.GetNextValidTimeAfter(new DateTimeOffset(2026, 3, 28, 0, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 3, 29, 7, 0, 0, TimeSpan.Zero), expression.GetNextValidTimeAfter(new DateTimeOffset(2026, 3, 28, 12, 0, 0, TimeSpan.Zero)));
        Assert.Equal(new DateTimeOffset(2026, 10, 25, 8, 0, 0, TimeSpan.Zero), expression.GetNextValidTimeAfter(new DateTimeOffset(2026, 10, 24, 12, 0, 0, TimeSpan.Zero)));
    }

    [Fact]
    public void Unknown_Zone_Is_Not_Found()
    {
        Assert.False(IanaTimeZones.TryFind("Mars/Olympus_Mons", out _));
        Assert.Null(IanaTimeZones.FromEmbedded("Mars/Olympus_Mons"));
    }
}
