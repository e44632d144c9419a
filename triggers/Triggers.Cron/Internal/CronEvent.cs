using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Triggers.Core.Dispatch;
using Triggers.Core.Resources;

namespace Triggers.Cron.Internal;

/// <summary>The event a tick sends: the trigger's payload, the Kubeless headers and the cron headers.</summary>
internal static class CronEvent
{
    public static TriggerEvent Create(CronPlan plan, DateTimeOffset scheduled, FireKind kind, string? runNow, DateTimeOffset now)
    {
        var headers = new List<KeyValuePair<string, string>>(2)
        {
            new(CronHeaders.ScheduledTime, EventHeaders.FormatTime(scheduled)),
        };
        if (kind == FireKind.Late)
        {
            headers.Add(new(CronHeaders.Late, "true"));
        }

        if (runNow is not null)
        {
            headers.Add(new(CronHeaders.RunNow, runNow));
        }

        return new TriggerEvent
        {
            Body = plan.Body,
            ContentType = plan.HasPayload ? "application/json" : null,
            Id = kind == FireKind.RunNow ? Guid.NewGuid().ToString() : TickId(plan, scheduled),
            Time = now,
            EventNamespace = CronJobTrigger.EventNamespace,
            Topic = plan.Trigger.Name,
            Source = $"/apis/{CronJobTrigger.GroupVersion}/namespaces/{plan.Trigger.Namespace}/{CronJobTrigger.Plural}/{plan.Trigger.Name}",
            Type = "io.kubeless.cronjobtrigger.tick",
            Headers = headers,
        };
    }

    /// <summary>
    /// The event id of a scheduled tick: new for every tick, but the same if a tick is ever fired
    /// again (a failover in the moment between recording and calling), so a function can tell.
    /// </summary>
    public static string TickId(CronPlan plan, DateTimeOffset scheduled)
    {
        // The SHA-256 of the UTF-8 of "{key}@{ticks}", built without intermediate strings (one per tick otherwise).
        Span<byte> hash = stackalloc byte[32];
        var length = Encoding.UTF8.GetMaxByteCount(plan.Key.Length) + 21;
        var rented = length > 512 ? ArrayPool<byte>.Shared.Rent(length) : null;
        var input = rented is null ? stackalloc byte[512] : rented;
        var written = Encoding.UTF8.GetBytes(plan.Key, input);
        input[written++] = (byte)'@';
        scheduled.UtcTicks.TryFormat(input[written..], out var digits, default, CultureInfo.InvariantCulture);
        SHA256.HashData(input[..(written + digits)], hash);
        if (rented is not null)
        {
            ArrayPool<byte>.Shared.Return(rented);
        }

        hash[6] = (byte)((hash[6] & 0x0F) | 0x80); // RFC 9562 version 8 (custom)
        hash[8] = (byte)((hash[8] & 0x3F) | 0x80); // RFC 9562 variant
        return new Guid(hash[..16], bigEndian: true).ToString();
    }
}
