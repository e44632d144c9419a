using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace Triggers.Benchmarks;

/// <summary>
/// The bare JetStream bridge (<c>bare-jetstream URL STREAM SUBJECT FUNCTION</c>, a child process): a
/// durable pull consumer (explicit ack, the worker's MaxAckPending) feeding
/// <see cref="Load.Concurrency"/> concurrent POSTs, each message acked after its answer.
/// </summary>
internal static class BareJetStreamBridge
{
    public static async Task RunAsync(string natsUrl, string stream, string subject, Uri function)
    {
        using var http = Load.Client();
        await using var nats = new NatsConnection(new NatsOpts { Url = natsUrl, ConnectTimeout = TimeSpan.FromSeconds(30) });
        var js = new NatsJSContext(nats);
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("bare")
        {
            FilterSubject = subject,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            MaxAckPending = 1000,
        });
        Console.WriteLine(BareBridge.Ready);

        using var slots = new SemaphoreSlim(Load.Concurrency);
        await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = Load.Concurrency }))
        {
            await slots.WaitAsync();
            _ = PostAndAckAsync(msg);
        }

        async Task PostAndAckAsync(INatsJSMsg<byte[]> msg)
        {
            try
            {
                await BareBridge.PostAsync(http, function, msg.Data, msg.Headers);
                await msg.AckAsync();
            }
            catch (Exception e)
            {
                BareBridge.Report(e);
                await msg.NakAsync();
            }
            finally
            {
                slots.Release();
            }
        }
    }
}
