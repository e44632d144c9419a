using System.Diagnostics;
using Microsoft.Extensions.Primitives;
using NATS.Client.Core;
using NATS.Client.JetStream;
using Triggers.Core.Dispatch;
using Triggers.Core.Hosting;
using Triggers.Core.Resources;

namespace Triggers.Nats.Internal;

/// <summary>The context of one running subscription that every message of it shares.</summary>
internal sealed record SubscriptionContext(NatsSubscriptionPlan Plan, TagList Tags, string Source)
{
    /// <summary>Log scope of every message of the subscription: which trigger and function it serves.</summary>
    public IReadOnlyList<KeyValuePair<string, object?>> LogScope { get; } =
    [
        new("Trigger", Plan.Trigger.ToString()),
        new("Function", $"{Plan.Function.Namespace}/{Plan.Function.Name}"),
        new("Subject", Plan.Subject),
    ];

    public static SubscriptionContext For(NatsSubscriptionPlan plan) =>
        new(plan,
            TriggerMetrics.Tags(NatsTrigger.KindName, plan.Trigger.ToString(), $"{plan.Function.Namespace}/{plan.Function.Name}"),
            $"/apis/kubeless.io/v1beta1/namespaces/{plan.Trigger.Namespace}/natstriggers/{plan.Trigger.Name}");
}

/// <summary>Turns one NATS message into a POST and settles it: reply, ack, nak with backoff, or dead-letter.</summary>
internal sealed class NatsEventHandler(
    IEventDispatcher dispatcher,
    TriggerMetrics metrics,
    NatsConnectionHolder connection,
    TimeProvider time,
    ILogger<NatsEventHandler> logger)
{
    /// <summary>CloudEvents type of every NATS event.</summary>
    public const string EventType = "io.kubeless.natstrigger.message";

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

        if (!result.IsDelivered)
        {
            // Core NATS has no redelivery: after the in-process retries the event is settled for good.
            await DeadLetterOrDiscardAsync(context, triggerEvent, msg.Subject, msg.Data, msg.Headers, result, result.Attempts, cancellationToken).ConfigureAwait(false);
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

    /// <summary>JetStream: one POST per delivery; ack, nak with backoff, or terminate and dead-letter on the last delivery.</summary>
    public async Task HandleJetStreamAsync(SubscriptionContext context, INatsJSMsg<byte[]> msg, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var js = plan.JetStream!;
        var metadata = msg.Metadata;
        var attempt = (int)Math.Min(int.MaxValue, metadata?.NumDelivered ?? 1);
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
            if (result.IsDelivered)
            {
                await msg.AckAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            if (result.Outcome == DispatchOutcome.Retryable && attempt < js.MaxDeliver)
            {
                var delay = Backoff.Next(plan.Policy, attempt - 1);
                metrics.Retried(context.Tags, 1);
                Log.Nacked(logger, triggerEvent.Id, plan.Function.Name, result.Reason, attempt, js.MaxDeliver, delay);
                await msg.NakAsync(delay: delay, cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            if (!await DeadLetterOrDiscardAsync(context, triggerEvent, msg.Subject, msg.Data, msg.Headers, result, attempt, cancellationToken).ConfigureAwait(false))
            {
                // The dead letter could not be written: keep the event in the stream rather than lose it.
                await msg.NakAsync(delay: Backoff.Next(plan.Policy, attempt - 1), cancellationToken: cancellationToken).ConfigureAwait(false);
                return;
            }

            await msg.AckTerminateAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
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

    /// <summary>Returns false only when a dead-letter subject is set and publishing to it failed.</summary>
    private async Task<bool> DeadLetterOrDiscardAsync(
        SubscriptionContext context, TriggerEvent triggerEvent, string subject, byte[]? body, NatsHeaders? headers, DispatchResult result, int attempts, CancellationToken cancellationToken)
    {
        var plan = context.Plan;
        var function = $"{plan.Function.Namespace}/{plan.Function.Name}";
        if (plan.DeadLetterSubject is not { } deadLetter)
        {
            metrics.Skipped(context.Tags);
            Log.Discarded(logger, triggerEvent.Id, subject, function, result.Reason, attempts);
            return true;
        }

        var dlHeaders = new NatsHeaders();
        if (headers is not null)
        {
            foreach (var (key, value) in headers)
            {
                dlHeaders[key] = value;
            }
        }

        dlHeaders[NatsHeaderNames.OriginalSubject] = subject;
        dlHeaders[NatsHeaderNames.Error] = result.Reason;
        dlHeaders[NatsHeaderNames.Attempts] = attempts.ToString(System.Globalization.CultureInfo.InvariantCulture);
        dlHeaders[NatsHeaderNames.Outcome] = result.Outcome.ToString();
        dlHeaders[NatsHeaderNames.Trigger] = plan.Trigger.ToString();
        dlHeaders[NatsHeaderNames.Function] = function;
        dlHeaders[NatsHeaderNames.EventId] = triggerEvent.Id;
        if (result.StatusCode is { } status)
        {
            dlHeaders[NatsHeaderNames.Status] = status.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        try
        {
            await connection.Connection.PublishAsync(deadLetter, body ?? [], dlHeaders, cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            Log.DeadLetterFailed(logger, triggerEvent.Id, deadLetter, e);
            return false;
        }

        metrics.DeadLettered(context.Tags);
        Log.DeadLettered(logger, triggerEvent.Id, subject, function, result.Reason, attempts, deadLetter);
        return true;
    }

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
            Id = jetStreamId ?? messageId ?? Guid.NewGuid().ToString("N"),
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
