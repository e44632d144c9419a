using System.Text;
using NATS.Client.Core;
using Triggers.Nats.Tests.Support;
using Triggers.Testing;
using Triggers.Testing.Nats;

namespace Triggers.Nats.Tests;

/// <summary>Acceptance tests of what the NATS worker delivers to a function, against a real nats-server: contract headers, forwarded headers, redelivery, dead letters and request/reply (shared server; every test owns its subjects).</summary>
public sealed class NatsWorkerDeliveryTests(NatsServerFixture nats) : IClassFixture<NatsServerFixture>
{
    private const string ToDo = """{"CorrelationId":"5c1b5f3e-2f6f-4d52-9d1b-0f0e4c7f9a10","Subject":"events.todo.newitem","Item":{"ToDoId":1,"Item":"Buy milk","DateAdded":"2026-11-27T00:00:00Z"}}""";

    [Fact]
    public async Task Book_Scenario_Delivers_ToDo_Json_With_Contract_Headers()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("book");
        var topic = $"{ns}.events.todo.newitem";
        manifests.Write("function.yaml", ManifestFolder.Function("todo-audit", function.Url, ns));
        manifests.Write("trigger.yaml", ManifestFolder.Trigger("todo-audit", topic, "todo-audit", ns));
        await using var worker = await TestWorker.StartAsync(nats.Url, manifests.Path);
        await worker.WaitForReasonAsync(ns, "todo-audit", NatsTriggerPlanner.ReasonSubscribed);
        Assert.True(worker.Status(ns, "todo-audit")!.Condition.Ready);

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await client.PublishAsync(topic, Encoding.UTF8.GetBytes(ToDo));
        await function.WaitForRequestsAsync(1);

        var request = Assert.Single(function.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal(ToDo, request.BodyText);
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("application/json", request.Header("event-type"));
        Assert.Equal("natstriggers.kubeless.io", request.Header("event-namespace"));
        Assert.Equal(topic, request.Header("event-topic"));
        Assert.False(string.IsNullOrEmpty(request.Header("event-id")));
        Assert.True(DateTimeOffset.TryParse(request.Header("event-time"), out _));
        Assert.Equal("1.0", request.Header("ce-specversion"));
        Assert.Equal(request.Header("event-id"), request.Header("ce-id"));
        Assert.Equal(topic, request.Header("ce-subject"));
        Assert.Contains($"/natstriggers/todo-audit", request.Header("ce-source"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Forwards_Nats_Headers_And_Content_Type_Header_Wins()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("hdr");
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.in");

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var headers = new NatsHeaders
        {
            ["Content-Type"] = "application/vnd.todo+json",
            ["X-Tenant"] = "blue",
            ["traceparent"] = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
        };
        await client.PublishAsync($"{ns}.in", Encoding.UTF8.GetBytes(ToDo), headers);
        await function.WaitForRequestsAsync(1);

        var request = Assert.Single(function.Requests);
        Assert.Equal("application/vnd.todo+json", request.Header("Content-Type"));
        Assert.Equal("blue", request.Header("X-Tenant"));
        Assert.Contains("0af7651916cd43dd8448eb211c80319c", request.Header("traceparent"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Redelivers_When_Function_Returns_503_Then_200()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.FailFirst(5, 503);
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("retry");
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.in", "  maxInFlight: 1\n  delivery:\n    maxAttempts: 10\n");

        await NatsPublisher.PublishNumberedAsync(nats.Url, $"{ns}.in", 20);

        await Eventually.WaitUntilAsync(() => function.Succeeded == 20, $"20 messages answered 200 (have {function.Succeeded})");
        var delivered = function.Requests.Skip(5).Select(r => r.BodyText).Distinct().Order().ToList();
        Assert.Equal(Enumerable.Range(0, 20).Select(i => $"m{i}").Order().ToList(), delivered);
        Assert.Equal(25, function.Count);
    }

    [Fact]
    public async Task Poison_400_Goes_To_The_Dead_Letter_Subject_With_The_Reason()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.RespondWith(400, "bad item");
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("dl");
        var deadLetters = $"{ns}.dead";
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.in", $"  delivery:\n    deadLetterSubject: {deadLetters}\n");

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        await using var sub = await client.SubscribeCoreAsync<byte[]>(deadLetters);
        await client.PingAsync();
        await client.PublishAsync($"{ns}.in", Encoding.UTF8.GetBytes(ToDo));

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var dead = await sub.Msgs.ReadAsync(timeout.Token);
        Assert.Equal(ToDo, Encoding.UTF8.GetString(dead.Data!));
        Assert.Equal($"{ns}.in", dead.Headers![NatsHeaderNames.OriginalSubject].ToString());
        Assert.Equal("400", dead.Headers[NatsHeaderNames.Status].ToString());
        Assert.Equal("HTTP 400", dead.Headers[NatsHeaderNames.Error].ToString());
        Assert.Equal("1", dead.Headers[NatsHeaderNames.Attempts].ToString());
        Assert.Equal(1, function.Count); // poison is not retried
    }

    [Fact]
    public async Task Request_Reply_Returns_The_Function_Response_With_Its_Status()
    {
        await using var function = await RecordingFunctionServer.StartAsync();
        function.Respond(r => new FunctionReply(200, "echo:" + r.BodyText));
        using var manifests = new ManifestFolder();
        var ns = TestWorker.Unique("rr");
        await using var worker = await TestWorker.StartWithOneTriggerAsync(nats.Url, manifests, function.Url, ns, $"{ns}.ask");

        await using var client = new NatsConnection(new NatsOpts { Url = nats.Url });
        var reply = await client.RequestAsync<byte[], byte[]>($"{ns}.ask", Encoding.UTF8.GetBytes("hello"), replyOpts: new NatsSubOpts { Timeout = TimeSpan.FromSeconds(20) });
        Assert.Equal("echo:hello", Encoding.UTF8.GetString(reply.Data!));
        Assert.Equal("200", reply.Headers![NatsHeaderNames.Status].ToString());
    }
}
