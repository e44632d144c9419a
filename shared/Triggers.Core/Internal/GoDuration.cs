using System.Globalization;

namespace Triggers.Core.Internal;

/// <summary>Parses durations the way Kubernetes manifests write them (Go's <c>time.ParseDuration</c>: "300ms", "1m30s").</summary>
public static class GoDuration
{
    /// <summary>Parses "1h2m3.5s"-style text; a bare number is taken as seconds.</summary>
    public static bool TryParse(string? text, out TimeSpan value)
    {
        value = default;
        if (string.IsNullOrWhiteSpace(text))
        {
            return false;
        }

        var s = text.Trim();
        if (double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var bareSeconds))
        {
            // TimeSpan.FromSeconds throws past about 29,000 years; such a value is no duration either.
            if (bareSeconds < 0 || double.IsNaN(bareSeconds) || double.IsInfinity(bareSeconds) || bareSeconds >= TimeSpan.MaxValue.TotalSeconds)
            {
                return false;
            }

            value = TimeSpan.FromSeconds(bareSeconds);
            return true;
        }

        double totalTicks = 0;
        var i = 0;
        while (i < s.Length)
        {
            var start = i;
            while (i < s.Length && (char.IsAsciiDigit(s[i]) || s[i] == '.'))
            {
                i++;
            }

            if (start == i || !double.TryParse(s.AsSpan(start, i - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
            {
                return false;
            }

            var unitStart = i;
            while (i < s.Length && !char.IsAsciiDigit(s[i]) && s[i] != '.')
            {
                i++;
            }

            double ticksPerUnit = s[unitStart..i] switch
            {
                "ns" => 0.01,
                "us" or "µs" => 10,
                "ms" => TimeSpan.TicksPerMillisecond,
                "s" => TimeSpan.TicksPerSecond,
                "m" => TimeSpan.TicksPerMinute,
                "h" => TimeSpan.TicksPerHour,
                _ => -1,
            };
            if (ticksPerUnit < 0)
            {
                return false;
            }

            totalTicks += number * ticksPerUnit;
        }

        if (!(totalTicks < TimeSpan.MaxValue.Ticks))
        {
            return false;
        }

        value = TimeSpan.FromTicks((long)totalTicks);
        return true;
    }
}
