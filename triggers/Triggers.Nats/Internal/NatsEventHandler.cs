using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;
using Triggers.Core.Resources;

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

    /// <summary>Core NATS: retries in process per the policy, then replies and/or dead-letters.</summary>
    public async Task HandleCoreAsync(SubscriptionContext context, NatsMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var triggerEvent = ToEvent(context, msg.Subject, msg.Data, msg.Headers, jetStreamId: null, jetStreamTime: null);
        DispatchResult result;
        try
        {
            result = await DispatchAsync(context, triggerEvent, plan.Policy, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            return;
        }

        if (result.Attempts > 1)
        {
            metrics.Retried(context.Tags, result.Attempts - 1);
        }

        // Core NATS has no redelivery: after the in-process retries the event is settled for good.
        var decision = rule.Decide(result, plan.Policy, SourceDurability.Transient, plan.DeadLetterSubject is not null, result.Attempts);
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
        var triggerEvent = ToEvent(context, msg.Subject, msg.Data, msg.Headers, id, metadata?.Timestamp);

        // JetStream redelivery is the retry loop: it survives restarts, and a nak holds no worker slot.
        DispatchResult result;
        try
        {
            result = await DispatchAsync(context, triggerEvent, plan.Policy with { MaxAttempts = 1 }, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
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

    private async Task<DispatchResult> DispatchAsync(SubscriptionContext context, TriggerEvent triggerEvent, DeliveryPolicy policy, CancellationToken cancellationToken)
    {
        metrics.Received(context.Tags);
        metrics.InFlight(context.Tags, 1);
        try
        {
            var result = await dispatcher.DispatchAsync(triggerEvent, context.Plan.Function, policy, cancellationToken).ConfigureAwait(false);
            metrics.Duration(context.Tags, result.Elapsed);
            if (result.IsDelivered)
            {
                metrics.Delivered(context.Tags);
            }
            else
            {
                metrics.Failed(context.Tags);
            }

            return result;
        }
        finally
        {
            metrics.InFlight(context.Tags, -1);
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

    private TriggerEvent ToEvent(SubscriptionContext context, string subject, byte[]? body, NatsHeaders? headers, string? jetStreamId, DateTimeOffset? jetStreamTime)
    {
        string? contentType = null, traceParent = null, traceState = null, messageId = null;
        List<KeyValuePair<string, string>>? forwarded = null;
        if (headers is not null)
        {
            foreach (var (key, values) in headers)
            {
                var value = values.ToString();
                if (key.Equals("Content-Type", StringComparison.OrdinalIgnoreCase))
                {
                    contentType = value;
                }
                else if (key.Equals("traceparent", StringComparison.OrdinalIgnoreCase))
                {
                    traceParent = value;
                }
                else if (key.Equals("tracestate", StringComparison.OrdinalIgnoreCase))
                {
                    traceState = value;
                }
                else
                {
                    if (key.Equals("Nats-Msg-Id", StringComparison.OrdinalIgnoreCase))
                    {
                        messageId = value;
                    }

                    forwarded ??= [];
                    foreach (var single in (StringValues)values)
                    {
                        forwarded.Add(new(key, single ?? ""));
                    }
                }
            }
        }

        return new TriggerEvent
        {
            Body = body ?? [],
            ContentType = string.IsNullOrWhiteSpace(contentType) ? null : contentType,
            Id = jetStreamId ?? messageId ?? EventHeaders.NewEventId(),
            Time = jetStreamTime ?? time.GetUtcNow(),
            EventNamespace = NatsTrigger.EventNamespace,
            Topic = subject,
            Source = context.Source,
            Type = EventType,
            Headers = forwarded,
            TraceParent = traceParent,
            TraceState = traceState,
        };
    }
}
