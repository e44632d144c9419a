using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using NATS.Client.Core;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>Acceptance tests of the NATS worker's subscriptions against a real nats-server: queue groups, trigger and function changes, many triggers, bad selectors, bursts, isolation, in-flight bounds and graceful stop (shared server; every test owns its subjects).</summary>
public sealed class NatsWorkerSubscriptionTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    [Fact]
    public async Task Two_Workers_In_One_Queue_Group_Deliver_2000_Messages_Exactly_Once()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("qg");
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url, ns));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", $"{ns}.orders", "fn", ns));
        await using var first = await TestWorker.StartAsync(nats.Url, manifests.Path, $"--Nats:ClientName={ns}-a");
        await using var second = await TestWorker.StartAsync(nats.Url, manifests.Path, $"--Nats:ClientName={ns}-b");
        await first.WaitForReasonAsync(ns, "tr", NatsTriggerPlanner.ReasonSubscribed);
        await second.WaitForReasonAsync(ns, "tr", NatsTriggerPlanner.ReasonSubscribed);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        for (var i = 0; i < 2000; i++)
        {
            await client.PublishAsync($"{ns}.orders", Encoding.UTF8.GetBytes($"{{\"n\":{i}}}"));
        }

        await function.WaitForRequestsAsync(2000);

        // Both replicas took part, and the server sent each message to exactly one of them.
        var toFirst = await nats.MessagesSentToAsync($"{ns}-a");
        var toSecond = await nats.MessagesSentToAsync($"{ns}-b");
        await first.StopAsync(); // drained: nothing more can arrive
        await second.StopAsync();

        var bodies = function.Requests.Select(r => r.BodyText).ToList();
        Assert.Equal(2000, bodies.Count);
        Assert.Equal(2000, bodies.Distinct().Count());
        Assert.Equal(2000, function.Requests.Select(r => r.Header("event-id")).Distinct().Count());
        Assert.Equal(2000, toFirst + toSecond);
        Assert.True(toFirst > 0 && toSecond > 0, $"both workers received some messages (first {toFirst}, second {toSecond})");
    }

    [Fact]
    public async Task Changing_The_Topic_Stops_Delivery_From_The_Old_Topic()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("topic");
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.old");
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync($"{ns}.old", Encoding.UTF8.GetBytes("before"));
        await function.WaitForRequestsAsync(1);

        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", $"{ns}.new", "fn", ns));
        await Eventually.WaitUntilAsync(
            () => worker.Status(ns, "tr")?.Condition.Message.Contains($"{ns}.new", StringComparison.Ordinal) == true,
            "the trigger is subscribed to the new topic");
        await Eventually.WaitUntilAsync(async () => !await nats.HasSubscriptionAsync($"{ns}.old"), "nobody listens on the old topic any more");

        await client.PublishAsync($"{ns}.old", Encoding.UTF8.GetBytes("old-after-change"));
        await client.PublishAsync($"{ns}.new", Encoding.UTF8.GetBytes("new-after-change"));
        await function.WaitForRequestsAsync(2);
        await worker.StopAsync(); // drained: anything the old subscription had would have arrived

        Assert.Equal(["before", "new-after-change"], function.Requests.Select(r => r.BodyText).ToArray());
    }

    [Fact]
    public async Task Deleting_The_Function_Stops_Its_Subscription()
    {
        await using var kept = await RecordingFunctionServer.StartAsync();
        await using var deleted = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("del");
        manifests.Write("kept.yaml", ManifestFolder.Function("kept", kept.Url, ns, labelValue: "shared"));
        manifests.Write("gone.yaml", ManifestFolder.Function("gone", deleted.Url, ns, labelValue: "shared"));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", $"{ns}.in", "shared", ns));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForSubscriptionsAsync($"{ns}/tr/", 2);
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync($"{ns}.in", Encoding.UTF8.GetBytes("one"));
        await kept.WaitForRequestsAsync(1);
        await deleted.WaitForRequestsAsync(1);

        manifests.Delete("gone.yaml");
        await worker.WaitForSubscriptionsAsync($"{ns}/tr/", 1);
        Assert.Equal([$"{ns}/tr/kept"], worker.Subscriptions.Keys.Where(k => k.StartsWith($"{ns}/", StringComparison.Ordinal)).ToArray());
        await Eventually.WaitUntilAsync(
            async () => !await nats.HasSubscriptionAsync($"{ns}.in", NatsTriggerPlanner.QueueGroup(ns, "tr", "gone", $"{ns}.in")),
            "the deleted function's queue subscription is gone from the server");

        await client.PublishAsync($"{ns}.in", Encoding.UTF8.GetBytes("two"));
        await kept.WaitForRequestsAsync(2);
        await worker.StopAsync();
        Assert.Equal(1, deleted.Count);
    }

    [Fact]
    public async Task Many_Triggers_Start_Together_And_Each_Delivers_To_Its_Own_Function()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("many");
        const int count = 150;

        // More triggers than one batch starts at once, one file: a single reconcile pass starts them all.
        var yaml = new StringBuilder();
        for (var i = 0; i < count; i++)
        {
            yaml.Append(ManifestFolder.Function($"fn-{i}", function.Url, ns)).Append("\n---\n");
            yaml.Append(ManifestFolder.Trigger($"t-{i}", $"{ns}.t{i}", $"fn-{i}", ns, "  maxInFlight: 1")).Append("\n---\n");
        }

        manifests.Write("all.yaml", yaml.ToString());
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        for (var i = 0; i < count; i++)
        {
            await worker.WaitForReasonAsync(ns, $"t-{i}", NatsTriggerPlanner.ReasonSubscribed);
        }

        Assert.Equal(count, worker.Subscriptions.Keys.Count(k => k.StartsWith(ns + "/", StringComparison.Ordinal)));
        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        for (var i = 0; i < count; i++)
        {
            await client.PublishAsync($"{ns}.t{i}", Encoding.UTF8.GetBytes($"m{i}"));
        }

        await function.WaitForRequestsAsync(count);
        var bySubject = function.Requests.GroupBy(r => r.Header("event-topic")).ToDictionary(g => g.Key!, g => g.Select(r => r.BodyText).ToList());
        for (var i = 0; i < count; i++)
        {
            Assert.Equal([$"m{i}"], bySubject[$"{ns}.t{i}"]);
        }
    }

    [Fact]
    public async Task Invalid_Selector_Gets_Ready_False_And_Other_Triggers_Keep_Working()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("sel");
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url, ns));
        manifests.Write("bad.yaml", $"""
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: bad
              namespace: {ns}
            spec:
              topic: {ns}.bad
              functionSelector:
                matchExpressions:
                - key: function
                  operator: Sometimes
                  values: [fn]
            """);
        manifests.Write("good.yaml", ManifestFolder.Trigger("good", $"{ns}.good", "fn", ns));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync(ns, "bad", NatsTriggerPlanner.ReasonInvalidSelector);
        await worker.WaitForReasonAsync(ns, "good", NatsTriggerPlanner.ReasonSubscribed);
        Assert.False(worker.Status(ns, "bad")!.Condition.Ready);
        Assert.Contains("matchExpressions[0]", worker.Status(ns, "bad")!.Condition.Message, StringComparison.Ordinal);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync($"{ns}.good", Encoding.UTF8.GetBytes("still working"));
        await function.WaitForRequestsAsync(1);
        Assert.Equal("still working", function.Requests[0].BodyText);

        using var http = new HttpClient { BaseAddress = worker.BaseUrl };
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("readyz", UriKind.Relative))).StatusCode);
    }

    [Fact]
    public async Task Burst_Of_100000_Messages_Is_Delivered_Completely()
    {
        const int Count = 100_000;
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("burst");
        manifests.Write("f.yaml", ManifestFolder.Function("fn", function.Url, ns));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", $"{ns}.in", "fn", ns, "  maxInFlight: 64\n"));

        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync(ns, "tr", NatsTriggerPlanner.ReasonSubscribed);

        // Counted on this worker's own connection, from here on (the outage tests of a parallel
        // run stop their own servers on purpose; this server must not drop this connection).
        var disconnects = 0;
        worker.Services.GetRequiredService<Triggers.Nats.Internal.NatsConnectionHolder>().Connection.ConnectionDisconnected += (_, _) =>
        {
            Interlocked.Increment(ref disconnects);
            return default;
        };

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var body = new byte[64];
        for (var i = 0; i < Count; i++)
        {
            await client.PublishAsync($"{ns}.in", body);
        }

        await Eventually.WaitUntilAsync(() => function.Count >= Count, $"the function received {Count} messages (has {function.Count})", TimeSpan.FromMinutes(5));
        Assert.Equal(Count, function.Count);
        // This trigger's drops (the noisy-neighbour test drops on purpose, on its own triggers).
        Assert.Equal(0, await Metrics.SumAsync(worker, "triggers_nats_dropped", $"trigger=\"{ns}/tr\""));
        Assert.True(Volatile.Read(ref disconnects) == 0, $"the worker's connection dropped {disconnects} time(s) during the burst; nats-server's log:\n{nats.RecentLog}");
    }

    [Fact]
    public async Task A_Slow_Function_Never_Delays_Another_Functions_Subscription()
    {
        await using var slow = await RecordingFunctionServer.StartAsync();
        slow.DelayEach(TimeSpan.FromSeconds(30));
        await using var fast = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("iso");
        manifests.Write("slow.yaml", ManifestFolder.Function("slow", slow.Url, ns, labelValue: "both"));
        manifests.Write("fast.yaml", ManifestFolder.Function("fast", fast.Url, ns, labelValue: "both"));
        manifests.Write("t.yaml", ManifestFolder.Trigger("tr", $"{ns}.in", "both", ns, "  maxInFlight: 2\n"));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path, "--Triggers:Delivery:Timeout=00:01:00");
        await worker.WaitForSubscriptionsAsync($"{ns}/tr/", 2);

        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.in", 50);

        // The slow function holds its two slots for 30 s; the fast one gets everything meanwhile.
        await fast.WaitForRequestsAsync(50, TimeSpan.FromSeconds(20));
        Assert.Equal(2, slow.Count);
        Assert.Equal(2, slow.MaxConcurrent);
        await worker.KillAsync();
    }

    [Fact]
    public async Task MaxInFlight_Bounds_Concurrent_Posts_Per_Subscription()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromMilliseconds(200));
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("mif");
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.in", "  maxInFlight: 4\n");

        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.in", 40);

        await Eventually.WaitUntilAsync(() => function.Succeeded == 40, $"40 messages answered (have {function.Succeeded})");
        Assert.Equal(4, function.MaxConcurrent);
    }

    [Fact]
    public async Task Graceful_Stop_Finishes_In_Flight_Posts()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.DelayEach(TimeSpan.FromSeconds(2));
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("drain");
        var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.in", "  maxInFlight: 8\n");

        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.in", 8);

        await function.WaitForRequestsAsync(8);
        Assert.True(function.Succeeded < 8, "the stop begins while POSTs are in flight");
        await worker.StopAsync();
        await worker.DisposeAsync();
        Assert.Equal(8, function.Succeeded);
    }
}
