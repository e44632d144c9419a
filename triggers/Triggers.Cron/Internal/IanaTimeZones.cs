using System.Collections.Concurrent;
using NodaTime;

namespace Triggers.Cron.Internal;

/// <summary>
/// Finds an IANA time zone as a <see cref="TimeZoneInfo"/>: the machine's tz database first
/// (/usr/share/zoneinfo or TZDIR), else the one NodaTime embeds, so spec.timeZone means the same
/// on an image without tzdata as on a developer's machine. The embedded zone is built as one
/// adjustment rule per year, 2000 to 2200, from NodaTime's zone intervals. A rule holds one
/// daylight period a year: the few zones with two (Africa/Casablanca, Africa/El_Aaiun around
/// Ramadan) are right only where the machine or image has tzdata, as the release images do.
/// </summary>
internal static class IanaTimeZones
{
    // From 2000: schedules look forward, and older local mean times have offsets in seconds,
    // which adjustment rules cannot hold.
    private const int FirstYear = 2000;
    private const int LastYear = 2200;
    private static readonly ConcurrentDictionary<string, TimeZoneInfo?> Embedded = new(StringComparer.Ordinal);

    public static bool TryFind(string id, out TimeZoneInfo zone)
    {
        if (TimeZoneInfo.TryFindSystemTimeZoneById(id, out var system))
        {
            zone = system;
            return true;
        }

        zone = FromEmbedded(id)!;
        return zone is not null;
    }

    /// <summary>The zone built from the embedded database only (null when unknown); used by tests.</summary>
    internal static TimeZoneInfo? FromEmbedded(string id) => Embedded.GetOrAdd(id, Build);

    private static TimeZoneInfo? Build(string id)
    {
        if (DateTimeZoneProviders.Tzdb.GetZoneOrNull(id) is not { } zone)
        {
            return null;
        }

        var baseOffset = StandardOffset(zone, LastYear).ToTimeSpan();
        var rules = new List<TimeZoneInfo.AdjustmentRule>();
        for (var year = FirstYear; year <= LastYear; year++)
        {
            rules.Add(RuleFor(zone, year, baseOffset));
        }

        return TimeZoneInfo.CreateCustomTimeZone(id, baseOffset, id, id, id, [.. rules]);
    }

    private static Offset StandardOffset(DateTimeZone zone, int year) =>
        zone.GetZoneInterval(Instant.FromUtc(year, 7, 1, 0, 0)) is var july && july.Savings == Offset.Zero
            ? july.WallOffset
            : zone.GetZoneInterval(Instant.FromUtc(year, 1, 1, 0, 0)).StandardOffset;

    /// <summary>One year: its standard offset and, when it has one, its daylight period.</summary>
    private static TimeZoneInfo.AdjustmentRule RuleFor(DateTimeZone zone, int year, TimeSpan baseOffset)
    {
        var start = Instant.FromUtc(year, 1, 1, 0, 0);
        var end = Instant.FromUtc(year + 1, 1, 1, 0, 0);
        var intervals = zone.GetZoneIntervals(start, end).ToList();
        var daylight = intervals.Where(i => i.Savings != Offset.Zero).ToList();
        var standard = intervals.FirstOrDefault(i => i.Savings == Offset.Zero)?.WallOffset ?? intervals[0].StandardOffset;
        var first = new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var last = new DateTime(year, 12, 31, 0, 0, 0, DateTimeKind.Unspecified);
        var baseDelta = standard.ToTimeSpan() - baseOffset;

        // Where daylight begins inside this year, and where it ends inside this year (a southern
        // zone has both, the end before the begin).
        var begins = daylight.FirstOrDefault(i => i.HasStart && i.Start >= start && i.Start < end);
        var ends = daylight.FirstOrDefault(i => i.HasEnd && i.End >= start && i.End < end);
        if (daylight.Count == 0 || (begins is null && ends is null))
        {
            // No transition in the year (none at all, or daylight the whole year): a fixed offset.
            var wall = daylight.Count == 0 ? standard : daylight[0].WallOffset;
            return TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(first, last, TimeSpan.Zero,
                Fixed(1, 1, TimeSpan.Zero), Fixed(1, 2, TimeSpan.Zero), wall.ToTimeSpan() - baseOffset);
        }

        var savings = (begins ?? ends)!.Savings.ToTimeSpan();
        // Daylight begins at the standard wall clock; it ends at the daylight wall clock.
        var transitionStart = begins is not null
            ? Local(begins.Start, standard)
            : new DateTime(year, 1, 1, 0, 0, 0, DateTimeKind.Unspecified);
        var transitionEnd = ends is not null
            ? Local(ends.End, standard + ends.Savings)
            : new DateTime(year, 12, 31, 23, 59, 59, 999, DateTimeKind.Unspecified);
        return TimeZoneInfo.AdjustmentRule.CreateAdjustmentRule(first, last, savings,
            Fixed(transitionStart.Month, transitionStart.Day, transitionStart.TimeOfDay),
            Fixed(transitionEnd.Month, transitionEnd.Day, transitionEnd.TimeOfDay),
            baseDelta);
    }

    private static DateTime Local(Instant instant, Offset offset) =>
        instant.WithOffset(offset).LocalDateTime.ToDateTimeUnspecified();

    private static TimeZoneInfo.TransitionTime Fixed(int month, int day, TimeSpan timeOfDay) =>
        TimeZoneInfo.TransitionTime.CreateFixedDateRule(new DateTime(1, 1, 1).Add(timeOfDay), month, day);
}
