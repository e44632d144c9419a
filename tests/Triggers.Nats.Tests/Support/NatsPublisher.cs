using System.Text;
using NATS.Client.Core;

namespace Triggers.Nats.Tests.Support;

/// <summary>Publishes test messages with core NATS from a connection of its own.</summary>
internal static class NatsPublisher
{
    /// <summary>Publishes <c>m0</c> .. <c>m{count-1}</c> to the subject, in order, and returns once the server has them all.</summary>
    public static async Task PublishNumberedAsync(string natsUrl, string subject, int count)
    {
        await using var client = new NatsConnection(new NatsOpts { Url = natsUrl });
        for (var i = 0; i < count; i++)
        {
            await client.PublishAsync(subject, Encoding.UTF8.GetBytes($"m{i}"));
        }

        // Disposing does not wait for queued messages to be written: a PING answered by the
        // server proves every message before it arrived.
        await client.PingAsync();
    }
}
