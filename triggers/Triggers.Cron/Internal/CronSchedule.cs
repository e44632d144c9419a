using System.Globalization;
using System.Text;
using Quartz;

namespace Triggers.Cron.Internal;

/// <summary>
/// A parsed <c>spec.schedule</c>: Kubernetes CronJob syntax (five fields, or six with a leading
/// seconds field, names, ranges, steps, <c>@hourly</c>-style macros) in an IANA time zone,
/// evaluated through one or two Quartz cron expressions.
/// </summary>
/// <remarks>
/// Kubernetes (robfig/cron) matches a day when day-of-month OR day-of-week matches if both fields
/// are restricted, and AND when either is <c>*</c>/<c>?</c> (a <c>*/n</c> with n &gt; 1 counts as restricted).
/// Quartz wants <c>?</c> in one day field, so the OR case becomes two expressions whose fire
/// times are merged. Every field is emitted as an explicit list so no step or range
/// interpretation differs between the two dialects.
/// </remarks>
internal sealed class CronSchedule
{
    private static readonly CronField Second = new("second", 0, 59, null);
    private static readonly CronField Minute = new("minute", 0, 59, null);
    private static readonly CronField Hour = new("hour", 0, 23, null);
    private static readonly CronField DayOfMonth = new("day-of-month", 1, 31, null);
    private static readonly CronField Month = new("month", 1, 12, ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"]);

    // 7 is accepted as Sunday, as most crons do; it folds onto 0 below.
    private static readonly CronField DayOfWeek = new("day-of-week", 0, 7, ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]);

    private static readonly Dictionary<string, string> Macros = new(StringComparer.OrdinalIgnoreCase)
    {
        ["@yearly"] = "0 0 1 1 *",
        ["@annually"] = "0 0 1 1 *",
        ["@monthly"] = "0 0 1 * *",
        ["@weekly"] = "0 0 * * 0",
        ["@daily"] = "0 0 * * *",
        ["@midnight"] = "0 0 * * *",
        ["@hourly"] = "0 * * * *",
    };

    private readonly CronExpression[] _expressions;

    private CronSchedule(string text, TimeZoneInfo timeZone, CronExpression[] expressions, bool hasSeconds)
    {
        Text = text;
        TimeZone = timeZone;
        _expressions = expressions;
        HasSeconds = hasSeconds;
    }

    /// <summary>The schedule as written.</summary>
    public string Text { get; }

    public TimeZoneInfo TimeZone { get; }

    public bool HasSeconds { get; }

    /// <summary>The Quartz expressions whose union is this schedule (one, or two for day-of-month OR day-of-week).</summary>
    public IReadOnlyList<CronExpression> Expressions => _expressions;

    /// <summary>Parses a schedule; <paramref name="timeZone"/> is an IANA name, null or empty meaning UTC.</summary>
    public static bool TryParse(string? text, string? timeZone, out CronSchedule schedule, out string reason, out string error)
    {
        schedule = null!;
        TimeZoneInfo zone;
        if (string.IsNullOrWhiteSpace(timeZone))
        {
            zone = TimeZoneInfo.Utc;
        }
        else if (!IanaTimeZones.TryFind(timeZone.Trim(), out zone))
        {
            reason = "InvalidTimeZone";
            error = $"spec.timeZone \"{timeZone}\" is not a known IANA time zone (examples: UTC, Europe/Berlin, America/New_York)";
            return false;
        }

        reason = "InvalidSchedule";
        if (string.IsNullOrWhiteSpace(text))
        {
            error = "spec.schedule is required";
            return false;
        }

        if (!TryParseFields(text.Trim(), out var fields, out var hasSeconds, out var problem))
        {
            error = $"spec.schedule \"{text}\": {problem}";
            return false;
        }

        try
        {
            var expressions = ToQuartz(fields).Select(q => CronExpression.Parse(q).WithTimeZone(zone)).ToArray();
            schedule = new CronSchedule(text.Trim(), zone, expressions, hasSeconds);
        }
        catch (FormatException e)
        {
            error = $"spec.schedule \"{text}\": {e.Message}";
            return false;
        }

        if (schedule.NextAfter(DateTimeOffset.UnixEpoch) is null)
        {
            error = $"spec.schedule \"{text}\" never fires (no date matches it)";
            schedule = null!;
            return false;
        }

        reason = "";
        error = "";
        return true;
    }

    /// <summary>The first fire time strictly after <paramref name="after"/>, or null when there is none.</summary>
    public DateTimeOffset? NextAfter(DateTimeOffset after)
    {
        DateTimeOffset? next = null;
        foreach (var expression in _expressions)
        {
            if (expression.GetNextValidTimeAfter(after) is { } t && (next is null || t < next))
            {
                next = t;
            }
        }

        return next;
    }

    /// <summary>The fire times in (<paramref name="after"/>, <paramref name="until"/>], oldest first, at most <paramref name="limit"/> of them.</summary>
    public IReadOnlyList<DateTimeOffset> Between(DateTimeOffset after, DateTimeOffset until, int limit)
    {
        var times = new List<DateTimeOffset>();
        var cursor = after;
        while (times.Count < limit && NextAfter(cursor) is { } next && next <= until)
        {
            times.Add(next);
            cursor = next;
        }

        return times;
    }

    /// <summary>The latest fire time in (<paramref name="after"/>, <paramref name="until"/>], found by widening a window back from <paramref name="until"/>.</summary>
    public DateTimeOffset? LatestIn(DateTimeOffset after, DateTimeOffset until)
    {
        TimeSpan[] windows = [TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(1), TimeSpan.FromHours(1), TimeSpan.FromDays(1), TimeSpan.FromDays(32), TimeSpan.FromDays(367), TimeSpan.FromDays(366 * 8)];
        foreach (var window in windows)
        {
            var start = until - window > after ? until - window : after;
            var times = Between(start, until, int.MaxValue);
            if (times.Count > 0)
            {
                return times[^1];
            }

            if (start == after)
            {
                return null;
            }
        }

        return null;
    }

    public override string ToString() => TimeZone == TimeZoneInfo.Utc ? Text : $"{Text} ({TimeZone.Id})";

    private static bool TryParseFields(string text, out ulong[] fields, out bool hasSeconds, out string error)
    {
        fields = [];
        hasSeconds = false;
        if (text.StartsWith("TZ=", StringComparison.OrdinalIgnoreCase) || text.StartsWith("CRON_TZ=", StringComparison.OrdinalIgnoreCase))
        {
            error = "TZ= and CRON_TZ= are not allowed in the schedule; use spec.timeZone";
            return false;
        }

        if (text.StartsWith('@'))
        {
            if (!Macros.TryGetValue(text, out var expanded))
            {
                error = $"unknown macro {text} (known: @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly)";
                return false;
            }

            text = expanded;
        }

        var parts = text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries);
        CronField[] layout;
        if (parts.Length == 5)
        {
            layout = [Minute, Hour, DayOfMonth, Month, DayOfWeek];
            parts = ["0", .. parts];
        }
        else if (parts.Length == 6)
        {
            layout = [Minute, Hour, DayOfMonth, Month, DayOfWeek];
            hasSeconds = true;
        }
        else
        {
            error = $"expected 5 fields (minute hour day-of-month month day-of-week), 6 with a leading seconds field, or a macro such as @hourly; got {parts.Length}";
            return false;
        }

        layout = [Second, .. layout];
        fields = new ulong[6];
        for (var i = 0; i < 6; i++)
        {
            if (!layout[i].TryParse(parts[i], out fields[i], out error))
            {
                return false;
            }
        }

        // Sunday is 0 and 7; keep one bit for it.
        if ((fields[5] & (1UL << 7)) != 0)
        {
            fields[5] = (fields[5] & ~(1UL << 7)) | 1UL;
        }

        error = "";
        return true;
    }

    private static List<string> ToQuartz(ulong[] fields)
    {
        var seconds = List(fields[0], Second);
        var minutes = List(fields[1], Minute);
        var hours = List(fields[2], Hour);
        var months = List(fields[4], Month);
        var domStar = (fields[3] & CronField.StarBit) != 0;
        var dowStar = (fields[5] & CronField.StarBit) != 0;
        var dom = List(fields[3], DayOfMonth);

        // Quartz numbers days of the week 1-7 from Sunday, Kubernetes 0-6.
        var dow = string.Join(',', Enumerable.Range(0, 7).Where(d => (fields[5] & (1UL << d)) != 0).Select(d => (d + 1).ToString(CultureInfo.InvariantCulture)));
        var head = $"{seconds} {minutes} {hours}";
        if (domStar && dowStar)
        {
            return [$"{head} * {months} ?"];
        }

        if (domStar)
        {
            return [$"{head} ? {months} {dow}"];
        }

        if (dowStar)
        {
            return [$"{head} {dom} {months} ?"];
        }

        return [$"{head} {dom} {months} ?", $"{head} ? {months} {dow}"];
    }

    private static string List(ulong bits, CronField field)
    {
        var values = Enumerable.Range(field.Min, field.Max - field.Min + 1).Where(v => (bits & (1UL << v)) != 0).ToList();
        if (values.Count == field.Max - field.Min + 1)
        {
            return "*";
        }

        var text = new StringBuilder();
        foreach (var v in values)
        {
            text.Append(text.Length == 0 ? "" : ",").Append(v.ToString(CultureInfo.InvariantCulture));
        }

        return text.ToString();
    }
}
