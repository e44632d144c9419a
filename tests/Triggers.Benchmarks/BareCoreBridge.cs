using NATS.Client.Core;

namespace Triggers.Benchmarks;

/// <summary>
/// The bare core NATS bridge (<c>bare-core URL SUBJECT FUNCTION [contract]</c>, a child process): one NATS.Net
/// subscription feeding <see cref="Load.Concurrency"/> concurrent HttpClient POSTs; with <c>contract</c>,
/// each POST carries the worker's request headers (<see cref="ContractHeaders"/>).
/// </summary>
internal static class BareCoreBridge
{
    public static async Task RunAsync(string natsUrl, string subject, Uri function, bool contract)
    {
        using var http = Load.Client();
        await using var nats = new NatsConnection(new NatsOpts { Url = natsUrl, SubPendingChannelCapacity = 1_000_000, ConnectTimeout = TimeSpan.FromSeconds(30) });
        await using var sub = await nats.SubscribeCoreAsync<byte[]>(subject);
        await nats.PingAsync();
        Console.WriteLine(BareBridge.Ready);

        using var slots = new SemaphoreSlim(Load.Concurrency);
        await foreach (var msg in sub.Msgs.ReadAllAsync())
        {
            await slots.WaitAsync();
            _ = PostAsync(msg);
        }

        async Task PostAsync(NatsMsg<byte[]> msg)
        {
            try
            {
                await BareBridge.PostAsync(http, function, msg.Data, msg.Headers, contract ? msg.Subject : null);
            }
            catch (Exception e)
            {
                BareBridge.Report(e);
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
