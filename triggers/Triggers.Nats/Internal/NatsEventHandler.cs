using NATS.Client.Core;
using NATS.Client.JetStream;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;

namespace Triggers.Nats.Internal;

/// <summary>Turns one NATS message into a POST and settles it: reply, ack, nak with backoff, or dead-letter.</summary>
internal sealed class NatsEventHandler(
    IEventDispatcher dispatcher,
    DeliveryOutcomeRule rule,
    TriggerMetrics metrics,
    NatsConnectionHolder connection,
    NatsDeadLetters deadLetters,
    TimeProvider time,
    ILogger<NatsEventHandler> logger)
{
    /// <summary>CloudEvents type of every NATS event.</summary>
    public const string EventType = "io.kubeless.natstrigger.message";

    /// <summary>The clock every wait of the worker runs on.</summary>
    public TimeProvider Time => time;

    /// <summary>How long a best-effort settle (nak of abandoned work) may take on shutdown.</summary>
    private static readonly TimeSpan SettleOnAbortTimeout = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Core NATS: retries in process per the policy, then replies and/or dead-letters. One async
    /// method on the way of a delivered message without a reply subject: the metrics around the POST
    /// are written inline, and what only a failure or a request needs is a method of its own, so the
    /// state machine every message allocates stays small.
    /// </summary>
    public async Task HandleCoreAsync(SubscriptionContext context, NatsMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var triggerEvent = NatsTriggerEvents.From(context, msg.Subject, msg.Data, msg.Headers, jetStreamId: null, jetStreamTime: null, time);
        DispatchResult result;
        Started(context);
        try
        {
            result = await dispatcher.DispatchAsync(triggerEvent, plan.Function, plan.Policy, cancellationToken).ConfigureAwait(false);
            Finished(context, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }
        finally
        {
            metrics.InFlight(context.Tags, -1);
        }

        if (result.Attempts > 1)
        {
            metrics.Retried(context.Tags, result.Attempts - 1);
        }

        // Core NATS has no redelivery: after the in-process retries the event is settled for good.
        var decision = rule.Decide(result, plan.Policy, SourceDurability.Transient, plan.DeadLetterSubject is not null, result.Attempts);
        if (decision.Action != Settlement.Acknowledge || !string.IsNullOrEmpty(msg.ReplyTo))
        {
            await SettleCoreAsync(context, msg, triggerEvent, result, decision, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>What a core NATS message needs beyond a delivery: its dead letter, its skip, its reply.</summary>
    private async Task SettleCoreAsync(SubscriptionContext context, NatsMsg<byte[]> msg, TriggerEvent triggerEvent, DispatchResult result, SettleDecision decision, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        if (decision.Action == Settlement.DeadLetter)
        {
            var failure = await deadLetters.WriteAsync(context, triggerEvent, msg.Subject, msg.Data, msg.Headers, result, result.Attempts, acknowledged: false, cancellationToken).ConfigureAwait(false);
            if (failure is null)
            {
                metrics.DeadLettered(context.Tags);
                Log.DeadLettered(logger, triggerEvent.Id, msg.Subject, Name(plan), result.Reason, result.Attempts, plan.DeadLetterSubject!);
            }
            else
            {
                metrics.DeadLetterFailed(context.Tags);
                metrics.Skipped(context.Tags);
                Log.DeadLetterLost(logger, triggerEvent.Id, msg.Subject, Name(plan), $"{result.Reason}; {failure}", plan.DeadLetterSubject!);
            }
        }
        else if (decision.Action == Settlement.Skip)
        {
            metrics.Skipped(context.Tags);
            Log.Discarded(logger, triggerEvent.Id, msg.Subject, Name(plan), result.Reason, result.Attempts);
        }

        if (!string.IsNullOrEmpty(msg.ReplyTo))
        {
            if (plan.Scope?.MayReply(msg.ReplyTo) == false)
            {
                Log.ReplyRefused(logger, triggerEvent.Id, msg.ReplyTo);
                return;
            }

            await ReplyAsync(triggerEvent.Id, msg.ReplyTo, result, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// JetStream: one POST per delivery, settled by <see cref="DeliveryOutcomeRule"/>: ack; nak with
    /// delay (backoff or Retry-After) for as long as it takes when there is no dead-letter subject; an
    /// acknowledged dead letter, then ack, after the last attempt; a dead letter no stream
    /// acknowledged leaves the event in its stream, tried again with backoff.
    /// </summary>
    public async Task HandleJetStreamAsync(SubscriptionContext context, INatsJSMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var js = plan.JetStream!;
        var metadata = msg.Metadata;
        var sequence = metadata?.Sequence.Stream ?? 0;
        var delivered = (int)Math.Min(int.MaxValue, metadata?.NumDelivered ?? 1);
        var attempts = Math.Max(1, delivered - context.Uncounted.GetValueOrDefault(sequence));
        var id = metadata is { } m ? $"{m.Stream}-{m.Sequence.Stream}" : null;
        var triggerEvent = NatsTriggerEvents.From(context, msg.Subject, msg.Data, msg.Headers, id, metadata?.Timestamp, time);

        // JetStream redelivery is the retry loop: it survives restarts, and a nak holds no worker slot.
        DispatchResult? result = null;
        Started(context);
        try
        {
            result = await dispatcher.DispatchAsync(triggerEvent, plan.Function, plan.Policy with { MaxAttempts = 1 }, cancellationToken).ConfigureAwait(false);
            Finished(context, result);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            metrics.InFlight(context.Tags, -1);
        }

        if (result is null)
        {
            await NakAbandonedAsync(msg).ConfigureAwait(false);
            return;
        }

        try
        {
            var hasDeadLetter = plan.DeadLetterSubject is not null;
            var decision = rule.Decide(result, plan.Policy with { MaxAttempts = js.MaxDeliver }, SourceDurability.Durable, hasDeadLetter, attempts);
            if (decision.Action == Settlement.DeadLetter)
            {
                var failure = await deadLetters.WriteAsync(context, triggerEvent, msg.Subject, msg.Data, msg.Headers, result, attempts, acknowledged: true, cancellationToken).ConfigureAwait(false);
                if (failure is null)
                {
                    metrics.DeadLettered(context.Tags);
                    Log.DeadLettered(logger, triggerEvent.Id, msg.Subject, Name(plan), result.Reason, attempts, plan.DeadLetterSubject!);
                }
                else
                {
                    decision = rule.AfterDeadLetterFailed(plan.Policy, SourceDurability.Durable, Math.Max(1, attempts - js.MaxDeliver + 1));
                    metrics.DeadLetterFailed(context.Tags);
                    Log.DeadLetterNotAcknowledged(logger, triggerEvent.Id, Name(plan), plan.DeadLetterSubject!, failure, js.Stream, decision.Delay);
                }
            }

            switch (decision.Action)
            {
                case Settlement.Retry:
                    if (!decision.CountsAsAttempt && result.CircuitOpen)
                    {
                        context.Uncounted.AddOrUpdate(sequence, 1, static (_, n) => n + 1);
                    }

                    metrics.Retried(context.Tags, 1);
                    Log.Nacked(logger, triggerEvent.Id, plan.Function.Name, result.Reason, attempts, hasDeadLetter ? js.MaxDeliver : 0, decision.Delay);
                    await msg.NakAsync(delay: decision.Delay, cancellationToken: cancellationToken).ConfigureAwait(false);
                    return;
                case Settlement.Skip:
                    metrics.Skipped(context.Tags);
                    Log.Discarded(logger, triggerEvent.Id, msg.Subject, Name(plan), result.Reason, attempts);
                    break;
            }

            context.Uncounted.TryRemove(sequence, out _);
            if (decision.Action == Settlement.Acknowledge)
            {
                await msg.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
            else
            {
                await msg.AckTerminateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.SettleFailed(logger, triggerEvent.Id, e);
        }
    }

    /// <summary>Hands a message that was never dispatched back to JetStream for immediate redelivery.</summary>
    public async Task NakAbandonedAsync(INatsJSMsg<byte[]> msg)
    {
        using var timeout = new CancellationTokenSource(SettleOnAbortTimeout);
        try
        {
            await msg.NakAsync(cancellationToken: timeout.Token).ConfigureAwait(false);
        }
        catch (Exception e) when (e is OperationCanceledException or NatsException or ObjectDisposedException)
        {
            // Best effort: an un-acked message comes back after ackWait anyway.
        }
    }

    /// <summary>A POST starts: received and in flight (the caller takes it out of flight when it ends, however it ends).</summary>
    private void Started(SubscriptionContext context)
    {
        metrics.Received(context.Tags);
        metrics.InFlight(context.Tags, 1);
    }

    /// <summary>A POST ended with a result: its duration, delivered or failed.</summary>
    private void Finished(SubscriptionContext context, DispatchResult result)
    {
        metrics.Duration(context.Tags, result.Elapsed);
        if (result.IsDelivered)
        {
            metrics.Delivered(context.Tags);
        }
        else
        {
            metrics.Failed(context.Tags);
        }
    }

    private static string Name(NatsSubscriptionPlan plan) => $"{plan.Function.Namespace}/{plan.Function.Name}";

    private async Task ReplyAsync(string eventId, string replyTo, DispatchResult result, CancellationToken cancellationToken)
    {
        var headers = new NatsHeaders();
        if (result.StatusCode is { } status)
        {
            headers[NatsHeaderNames.Status] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (!result.IsDelivered)
        {
            headers[NatsHeaderNames.Error] = result.Reason;
        }

        if (result.ResponseTruncated)
        {
            headers[NatsHeaderNames.ReplyTruncated] = "true";
        }

        if (!string.IsNullOrEmpty(result.ResponseContentType))
        {
            headers["Content-Type"] = result.ResponseContentType;
        }

        try
        {
            await connection.Connection.PublishAsync(replyTo, result.ResponseBody.ToArray(), headers, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.ReplyFailed(logger, eventId, e);
        }
    }
}
