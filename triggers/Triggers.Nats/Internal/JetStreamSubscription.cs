using System.Threading.Channels;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Triggers.Core.Dispatch;

namespace Triggers.Nats.Internal;

/// <summary>A JetStream durable pull consumer: a fetch loop fills a bounded buffer that the workers drain.</summary>
internal sealed class JetStreamSubscription(
    SubscriptionContext context,
    NatsConnection connection,
    NatsEventHandler handler,
    TimeSpan drainTimeout,
    ILogger logger) : RunningSubscription(context, drainTimeout, logger)
{
    private readonly CancellationTokenSource _stopFetching = new();
    private readonly Channel<INatsJSMsg<byte[]>> _buffer = Channel.CreateBounded<INatsJSMsg<byte[]>>(new BoundedChannelOptions(Math.Max(1, context.Plan.MaxInFlight))
    {
        SingleWriter = true,
        FullMode = BoundedChannelFullMode.Wait,
    });

    private Task _fetch = Task.CompletedTask;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        var js = new NatsJSContext(connection);
        var consumer = await CreateConsumerAsync(js, cancellationToken).ConfigureAwait(false);
        StartWorkers(_buffer.Reader, (msg, ct) => handler.HandleJetStreamAsync(Context, msg, ct));
        _fetch = Task.Run(() => FetchAsync(js, consumer, _stopFetching.Token), CancellationToken.None);
        Log.Consuming(Logger, Plan.Key, Plan.JetStream!.Stream, Plan.JetStream.Consumer, Plan.MaxInFlight);
    }

    public override async ValueTask DisposeAsync()
    {
        _stopFetching.Dispose();
        await base.DisposeAsync().ConfigureAwait(false);
    }

    protected override async Task StopFetchingAsync(CancellationToken cancellationToken)
    {
        await _stopFetching.CancelAsync().ConfigureAwait(false);
        await _fetch.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _buffer.Writer.TryComplete();
    }

    protected override async Task AbandonAsync()
    {
        _buffer.Writer.TryComplete();
        while (_buffer.Reader.TryRead(out var msg))
        {
            await handler.NakAbandonedAsync(msg).ConfigureAwait(false);
        }
    }

    private async Task<INatsJSConsumer> CreateConsumerAsync(NatsJSContext js, CancellationToken cancellationToken)
    {
        var plan = Plan.JetStream!;
        var config = new ConsumerConfig(plan.Consumer)
        {
            FilterSubject = Plan.Subject,
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = plan.AckWait,
            DeliverPolicy = plan.DeliverPolicy switch
            {
                JetStreamDeliverPolicy.New => ConsumerConfigDeliverPolicy.New,
                JetStreamDeliverPolicy.Last => ConsumerConfigDeliverPolicy.Last,
                JetStreamDeliverPolicy.LastPerSubject => ConsumerConfigDeliverPolicy.LastPerSubject,
                _ => ConsumerConfigDeliverPolicy.All,
            },

            // The worker counts deliveries itself and terminates after the last one; a server-side
            // cap would silently park a message whose last delivery was cut short by a crash.
            MaxDeliver = -1,
            MaxAckPending = Math.Max(1000, Plan.MaxInFlight * 8),
        };
        return await js.CreateOrUpdateConsumerAsync(plan.Stream, config, cancellationToken).ConfigureAwait(false);
    }

    private async Task FetchAsync(NatsJSContext js, INatsJSConsumer consumer, CancellationToken stopping)
    {
        var failures = 0;
        var opts = new NatsJSConsumeOpts { MaxMsgs = Math.Max(1, Plan.MaxInFlight) };
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: opts, cancellationToken: stopping).ConfigureAwait(false))
                {
                    failures = 0;
                    await _buffer.Writer.WriteAsync(msg, stopping).ConfigureAwait(false);
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e)
            {
                failures++;
                var delay = Backoff.Next(TimeSpan.FromMilliseconds(250), TimeSpan.FromSeconds(30), failures);
                Log.ConsumeFailed(Logger, Plan.Key, Plan.JetStream!.Consumer, delay, e);
                try
                {
                    await Backoff.DelayAsync(delay, handler.Time, stopping).ConfigureAwait(false);
                    consumer = await CreateConsumerAsync(js, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (stopping.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception again) when (again is NatsException)
                {
                    // Stream or server still unavailable: the next round waits longer.
                }
            }
        }
    }
}
