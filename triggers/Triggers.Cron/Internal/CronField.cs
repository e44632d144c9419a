using System.Globalization;

namespace Triggers.Cron.Internal;

/// <summary>One field of a cron schedule (seconds, minutes, ...): its range and names, and the parser of its text into a bit set.</summary>
internal sealed record CronField(string Name, int Min, int Max, string[]? Names)
{
    /// <summary>Marks a field written as <c>*</c> or <c>?</c> (step 1): robfig/cron's rule for day matching.</summary>
    public const ulong StarBit = 1UL << 63;

    public bool TryParse(string text, out ulong bits, out string error)
    {
        bits = 0;
        foreach (var part in text.Split(','))
        {
            if (!TryParseRange(part, out var rangeBits, out error))
            {
                return false;
            }

            bits |= rangeBits;
        }

        error = "";
        return true;
    }

    private bool TryParseRange(string part, out ulong bits, out string error)
    {
        bits = 0;
        var slash = part.Split('/');
        var dash = slash[0].Split('-');
        int start, end;
        var star = false;
        if (slash.Length > 2 || dash.Length > 2)
        {
            error = $"{Name} field \"{part}\" is not a value, a range a-b, or a step x/n";
            return false;
        }

        if (dash[0] is "*" or "?")
        {
            if (dash.Length > 1)
            {
                error = $"{Name} field \"{part}\": * cannot start a range";
                return false;
            }

            (start, end, star) = (Min, Max == 7 ? 6 : Max, true);
        }
        else
        {
            if (!TryValue(dash[0], out start, out error))
            {
                return false;
            }

            end = start;
            if (dash.Length == 2 && !TryValue(dash[1], out end, out error))
            {
                return false;
            }
        }

        var step = 1;
        if (slash.Length == 2)
        {
            if (!int.TryParse(slash[1], NumberStyles.None, CultureInfo.InvariantCulture, out step) || step < 1)
            {
                error = $"{Name} field \"{part}\": the step must be a positive whole number";
                return false;
            }

            // "N/step" means "N-max/step".
            if (dash.Length == 1 && !star)
            {
                end = Max == 7 ? 6 : Max;
            }

            if (step > 1)
            {
                star = false;
            }
        }

        if (start < Min)
        {
            error = $"{Name} field \"{part}\": {start} is below the minimum {Min}";
            return false;
        }

        if (end > Max)
        {
            error = $"{Name} field \"{part}\": {end} is above the maximum {Max}";
            return false;
        }

        if (start > end)
        {
            error = $"{Name} field \"{part}\": the range starts after it ends";
            return false;
        }

        for (var v = start; v <= end; v += step)
        {
            bits |= 1UL << v;
        }

        if (star)
        {
            bits |= StarBit;
        }

        error = "";
        return true;
    }

    private bool TryValue(string text, out int value, out string error)
    {
        error = "";
        if (int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value))
        {
            return true;
        }

        if (Names is not null)
        {
            var index = Array.FindIndex(Names, n => string.Equals(n, text, StringComparison.OrdinalIgnoreCase));
            if (index >= 0)
            {
                value = index + (Min == 1 ? 1 : 0);
                return true;
            }
        }

        error = Names is null
            ? $"{Name} field: \"{text}\" is not a number"
            : $"{Name} field: \"{text}\" is not a number or a name ({string.Join(", ", Names)})";
        return false;
    }
}
