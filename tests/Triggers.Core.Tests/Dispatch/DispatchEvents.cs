using Triggers.Core.Dispatch;

namespace Triggers.Core.Tests.Dispatch;

/// <summary>Events for dispatcher tests whose subject is delivery, not the headers.</summary>
internal static class DispatchEvents
{
    /// <summary>A one-byte NATS event with a fresh id.</summary>
    public static TriggerEvent Minimal() => new()
    {
        Body = "x"u8.ToArray(),
        Id = Guid.NewGuid().ToString(),
        Time = DateTimeOffset.UnixEpoch,
        EventNamespace = "natstriggers.kubeless.io",
        Topic = "t",
        Source = "/s",
        Type = "io.kubeless.nats.message",
    };
}
