using System.Net;
using System.Text;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>Tests that stop the broker or the worker: each starts its own nats-server.</summary>
public sealed class NatsOutageTests
{
    [Fact]
    public async Task Reconnects_After_Nats_Server_Restart_And_Delivers_Again()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "orders.created", "fn"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);
        using var http = new HttpClient { BaseAddress = worker.BaseUrl };
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "/readyz is 200 while connected");

        await using (var before = new NatsConnection(new NatsOpts { Url = nats.Url }))
        {
            await before.PublishAsync("orders.created", Encoding.UTF8.GetBytes("before"));
            await before.PingAsync(); // flushed before the connection closes
        }

        await function.WaitForRequestsAsync(1);

        await nats.StopAsync();
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode == HttpStatusCode.ServiceUnavailable, "/readyz is 503 while NATS is down");
        await nats.StartAsync();
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "/readyz is 200 again after reconnecting");
        await Eventually.WaitUntilAsync(() => nats.HasSubscriptionAsync("orders.created"), "the worker subscribed again on the restarted server");

        await using var after = new NatsConnection(new NatsOpts { Url = nats.Url });
        await after.PublishAsync("orders.created", Encoding.UTF8.GetBytes("after"));
        await function.WaitForRequestsAsync(2);
        Assert.Equal(["before", "after"], function.Requests.Select(r => r.BodyText).ToArray());
    }

    [Fact]
    public async Task Starts_While_Nats_Is_Down_And_Subscribes_Once_It_Is_Up()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await nats.StopAsync();
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "late.start", "fn"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path, "--Nats:SubscribeTimeout=00:00:01");
        using var http = new HttpClient { BaseAddress = worker.BaseUrl };
        await Eventually.WaitUntilAsync(() => worker.Status("default", "tr") is not null, "the trigger was planned");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);

        await nats.StartAsync();
        await Eventually.WaitUntilAsync(() => nats.HasSubscriptionAsync("late.start"), "the worker subscribed once NATS came up");
        await Eventually.WaitUntilAsync(async () => (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode == HttpStatusCode.OK, "/readyz is 200");
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync("late.start", Encoding.UTF8.GetBytes("hello"));
        await function.WaitForRequestsAsync(1);
        Assert.Equal("hello", function.Requests[0].BodyText);
    }

    [Fact]
    public async Task JetStream_Worker_Stopped_Mid_Stream_And_Restarted_Loses_Nothing()
    {
        const int Count = 300;
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig("ORDERS", ["orders.>"]));
        for (var i = 0; i < Count; i++)
        {
            await js.PublishAsync("orders.new", Encoding.UTF8.GetBytes($"m{i}"));
        }

        await using var function = await RecordingFunctionServer.StartAsync();
        // The first hundred are answered; after that the function hangs, so the stop lands mid-stream.
        function.Respond(r => r.Index < Count / 3 ? FunctionReply.Ok : new FunctionReply(Delay: TimeSpan.FromMinutes(1)));
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "orders.new", "fn", extraSpec: "  maxInFlight: 8\n  jetStream:\n    stream: ORDERS\n    ackWait: 4s\n"));

        var first = await TestWorker.StartAsync(nats.Url, manifests.Path, "--Triggers:Delivery:Timeout=00:00:02");
        await function.WaitForRequestsAsync((Count / 3) + 1);
        await first.KillAsync(); // in-flight POSTs abandoned, nothing acked for them
        await first.DisposeAsync();
        var seenByFirst = function.Count;
        Assert.True(seenByFirst < Count, $"the worker was stopped mid-stream ({seenByFirst} of {Count} seen)");

        function.Respond(_ => FunctionReply.Ok);
        await using var second = await TestWorker.StartAsync(nats.Url, manifests.Path, "--Triggers:Delivery:Timeout=00:00:02");
        await Eventually.WaitUntilAsync(
            () => function.Requests.Select(r => r.BodyText).Distinct().Count() == Count,
            $"every one of {Count} messages reached the function at least once",
            TimeSpan.FromSeconds(60));

        // And JetStream agrees: the consumer has nothing left pending or unacknowledged.
        await JetStreamWait.UntilSettledAsync(js, "ORDERS", "default_tr_fn", "the durable consumer acknowledged everything");
    }

    [Fact]
    public async Task JetStream_Naks_Retryable_Failures_And_Dead_Letters_After_The_Last_Delivery()
    {
        await using var nats = await NatsServerFixture.StartNewAsync();
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var js = new NatsJSContext(client);
        await js.CreateStreamAsync(new StreamConfig("JOBS", ["jobs.>"]));

        // The dead letter of a JetStream trigger must be acknowledged by a stream before the source message is settled.
        await js.CreateStreamAsync(new StreamConfig("JOBS_DEAD", ["jobs-dead"]));
        await using var dead = await client.SubscribeCoreAsync<byte[]>("jobs-dead");
        await client.PingAsync();

        await using var function = await RecordingFunctionServer.StartAsync();
        function.Respond(r => r.BodyText == "flaky" && r.Index < 2 ? new FunctionReply(503) : r.BodyText == "doomed" ? new FunctionReply(500) : FunctionReply.Ok);
        using var manifests = new ManifestFolder();
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", "jobs.run", "fn", extraSpec:
            "  maxInFlight: 1\n  delivery:\n    deadLetterSubject: jobs-dead\n  jetStream:\n    stream: JOBS\n    durable: default_runner\n    maxDeliver: 3\n"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync("default", "tr", NatsTriggerPlanner.ReasonSubscribed);

        await js.PublishAsync("jobs.run", Encoding.UTF8.GetBytes("flaky"));
        await Eventually.WaitUntilAsync(() => function.Succeeded == 1, "the flaky job succeeded on its third delivery");
        Assert.Equal(3, function.Requests.Count(r => r.BodyText == "flaky"));

        await js.PublishAsync("jobs.run", Encoding.UTF8.GetBytes("doomed"));
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var letter = await dead.Msgs.ReadAsync(timeout.Token);
        Assert.Equal("doomed", Encoding.UTF8.GetString(letter.Data!));
        Assert.Equal("3", letter.Headers![NatsHeaderNames.Attempts].ToString());
        Assert.Equal("500", letter.Headers[NatsHeaderNames.Status].ToString());
        Assert.Equal("jobs.run", letter.Headers[NatsHeaderNames.OriginalSubject].ToString());
        Assert.Equal(3, function.Requests.Count(r => r.BodyText == "doomed"));

        await JetStreamWait.UntilSettledAsync(js, "JOBS", "default_runner_fn", "the dead-lettered message was terminated, not left for redelivery");
    }
}
