using System.Collections.Concurrent;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>No silent loss on JetStream, whole-exchange timeouts and bounded replies: each test starts its own nats-server.</summary>
public sealed class DurableDeliveryTests
{
    [Fact]
    public async Task JetStream_Without_Dead_Letter_Delivers_Every_Message_After_A_Long_Outage()
    {
        const int Count = 500;
        const int RefusalsEach = 4; // more than maxAttempts (2): the old worker terminated after the 2nd delivery
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig("OUTAGE", ["outage.>"]));
        for (var i = 0; i < Count; i++)
        {
            await js.PublishAsync("outage.job", Encoding.UTF8.GetBytes($"m{i}"));
        }

        // The outage is condition-driven: the function answers 503 until every message was refused RefusalsEach times.
        var refusals = new ConcurrentDictionary<string, int>();
        var fullyRefused = 0;
        var outage = true;
        await using var function = await RecordingFunctionServer.StartAsync();
        function.Respond(r =>
        {
            if (!Volatile.Read(ref outage))
            {
                return FunctionReply.Ok;
            }

            if (refusals.AddOrUpdate(r.BodyText, 1, (_, n) => n + 1) == RefusalsEach && Interlocked.Increment(ref fullyRefused) == Count)
            {
                Volatile.Write(ref outage, false);
            }

            return new FunctionReply(503);
        });
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "outage.job", "fn", extraSpec:
            "  maxInFlight: 64\n  delivery:\n    maxAttempts: 2\n    backoff: {initial: 20ms, max: 200ms}\n  jetStream:\n    stream: OUTAGE\n"));

        // The breaker would slow the outage down to one trial per break; its own tests cover it.
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path, "--Triggers:Delivery:BreakerMinimumThroughput=1000000");
        await Eventually.WaitUntilAsync(() => !Volatile.Read(ref outage), $"every message was refused {RefusalsEach} times", TimeSpan.FromSeconds(90));
        await Eventually.WaitUntilAsync(() => function.Succeeded == Count, $"all {Count} messages delivered after the outage (got {function.Succeeded})", TimeSpan.FromSeconds(60));
        Assert.Equal(Count, function.Requests.Select(r => r.BodyText).Distinct().Count());

        await JetStreamWait.UntilSettledAsync(js, "OUTAGE", "default_tr_fn", "the consumer acknowledged everything");
    }

    [Fact]
    public async Task JetStream_Dead_Letter_That_No_Stream_Acknowledges_Leaves_The_Message_In_Its_Stream()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig("WORK", ["work.>"]));
        await using var function = await RecordingFunctionServer.StartAsync();
        function.RespondWith(500);
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "work.item", "fn", extraSpec:
            "  maxInFlight: 1\n  delivery:\n    maxAttempts: 2\n    backoff: {initial: 20ms, max: 200ms}\n    deadLetterSubject: work-dead\n  jetStream:\n    stream: WORK\n"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);

        await js.PublishAsync("work.item", Encoding.UTF8.GetBytes("precious"));

        // Past maxAttempts the dead letter finds no stream: the message stays in WORK and is tried again.
        await Eventually.WaitUntilAsync(() => function.Count >= 5, "the message is still tried after maxAttempts (2)");
        var consumer = await js.GetConsumerAsync("WORK", "default_tr_fn");
        await consumer.RefreshAsync();
        Assert.Equal(1, (int)(consumer.Info.NumAckPending + (long)consumer.Info.NumPending));

        // Once a stream captures the dead-letter subject, the next round writes the dead letter and settles the source.
        await js.CreateStreamAsync(new StreamConfig("WORK_DEAD", ["work-dead"]));
        await JetStreamWait.UntilSettledAsync(js, "WORK", "default_tr_fn", "the message was settled once its dead letter was acknowledged");
        var dead = await js.GetStreamAsync("WORK_DEAD");
        Assert.Equal(1, (int)dead.Info.State.Messages);
        var reader = await js.CreateOrderedConsumerAsync("WORK_DEAD");
        var letter = await reader.NextAsync<byte[]>() ?? throw new InvalidOperationException("no dead letter in WORK_DEAD");
        Assert.Equal("precious", Encoding.UTF8.GetString(letter.Data!));
        Assert.Equal("work.item", letter.Headers![NatsHeaderNames.OriginalTopic].ToString());
        Assert.Equal("work.item", letter.Headers[NatsHeaderNames.OriginalSubject].ToString());
        Assert.Equal("500", letter.Headers[NatsHeaderNames.Status].ToString());
    }

    [Fact]
    public async Task JetStream_Honours_Retry_After_Over_Its_Own_Backoff()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig("BUSY", ["busy.>"]));
        await using var function = await RecordingFunctionServer.StartAsync();
        function.Respond(r => r.Index == 0 ? new FunctionReply(429) { Headers = new Dictionary<string, string> { ["Retry-After"] = "2" } } : FunctionReply.Ok);
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "busy.job", "fn", extraSpec: "  delivery:\n    backoff: {initial: 20ms, max: 200ms}\n  jetStream:\n    stream: BUSY\n"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);

        await js.PublishAsync("busy.job", Encoding.UTF8.GetBytes("later"));
        await Eventually.WaitUntilAsync(() => function.Succeeded == 1, "delivered once the function was ready again");
        var requests = function.Requests;
        var waited = requests[1].ReceivedAt - requests[0].ReceivedAt;
        Assert.True(waited >= TimeSpan.FromSeconds(1.5), $"the redelivery waited {waited}, not the 2 s Retry-After (backoff.max is 200ms)");
    }

    [Fact]
    public async Task A_Function_That_Trickles_Its_Body_Does_Not_Hold_The_Slot()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
        function.Respond(_ => new FunctionReply(200) { Trickle = TimeSpan.FromMilliseconds(200) });
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));

        // One attempt each: five messages behind one slot take five timeouts (10 s) when the timeout covers the body; for ever when not.
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "slow.job", "fn", extraSpec: "  maxInFlight: 1\n  delivery:\n    timeout: 2s\n    maxAttempts: 1\n"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        for (var i = 0; i < 5; i++)
        {
            await client.PublishAsync("slow.job", Encoding.UTF8.GetBytes($"m{i}"));
        }

        await Eventually.WaitUntilAsync(
            () => function.Requests.Select(r => r.BodyText).Distinct().Count() == 5,
            "all five messages were attempted although every answer trickles for ever",
            TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task A_Reply_Longer_Than_The_Limit_Is_Cut_And_Flagged()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
        function.Respond(_ => new FunctionReply(200, new string('x', 5000)));
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "big.ask", "fn"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path, "--Triggers:Delivery:MaxResponseBodyBytes=1000");
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var reply = await client.RequestAsync<byte[], byte[]>("big.ask", Encoding.UTF8.GetBytes("hello"), replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(20) });
        Assert.Equal(1000, reply.Data!.Length);
        Assert.Equal("true", reply.Headers![NatsHeaderNames.ReplyTruncated].ToString());

        function.Respond(_ => new FunctionReply(200, "small"));
        var small = await client.RequestAsync<byte[], byte[]>("big.ask", Encoding.UTF8.GetBytes("hello"), replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(20) });
        Assert.Equal("small", Encoding.UTF8.GetString(small.Data!));
        Assert.False(small.Headers!.ContainsKey(NatsHeaderNames.ReplyTruncated));
    }

    [Fact]
    public async Task A_Timeout_Beyond_The_Limit_Fails_Only_Its_Trigger()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("bad.yaml", ManifestFolder.Trigger("bad", "limits.bad", "fn", extraSpec: "  delivery:\n    timeout: 100000h\n"));
        manifests.Write("good.yaml", ManifestFolder.Trigger("good", "limits.good", "fn"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync("default", "good", NatsTriggerPlanner.ReasonSubscribed);
        await worker.WaitForReasonAsync("default", "bad", NatsTriggerPlanner.ReasonInvalidDelivery);
        var bad = worker.Status("default", "bad")!.Condition;
        Assert.False(bad.Ready);
        Assert.Contains("spec.delivery.timeout", bad.Message, StringComparison.Ordinal);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync("limits.good", Encoding.UTF8.GetBytes("still here"));
        await function.WaitForRequestsAsync(1);
        Assert.Equal("still here", function.Requests[0].BodyText);
    }
}
