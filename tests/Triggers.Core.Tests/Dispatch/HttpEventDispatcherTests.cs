using System.Text;
using Triggers.Core.Dispatch;
using Triggers.Testing;

namespace Triggers.Core.Tests.Dispatch;

public sealed class HttpEventDispatcherTests : IAsyncLifetime
{
    private static readonly DeliveryPolicy Fast = new(MaxAttempts: 5, InitialBackoff: TimeSpan.FromMilliseconds(10), MaxBackoff: TimeSpan.FromMilliseconds(50), Timeout: TimeSpan.FromSeconds(10));

    private RecordingFunctionServer _function = null!;
    private readonly DispatcherHost _host = new();

    public async Task InitializeAsync() => _function = await RecordingFunctionServer.StartAsync();

    public async Task DisposeAsync()
    {
        await _function.DisposeAsync();
        _host.Dispose();
    }

    private FunctionEndpoint Endpoint => new("kiamol-ch21", "todo-audit", _function.Url);

    private static TriggerEvent Event(byte[] body, string? contentType = null, string? traceParent = null, IReadOnlyList<KeyValuePair<string, string>>? headers = null) => new()
    {
        Body = body,
        ContentType = contentType,
        Id = Guid.NewGuid().ToString(),
        Time = new DateTimeOffset(2026, 11, 27, 8, 30, 15, 123, TimeSpan.FromHours(2)),
        EventNamespace = "natstriggers.kubeless.io",
        Topic = "events.todo.newitem",
        Source = "/apis/kubeless.io/v1beta1/namespaces/kiamol-ch21/natstriggers/todo-audit",
        Type = "io.kubeless.nats.message",
        TraceParent = traceParent,
        Headers = headers,
    };

    [Fact]
    public async Task Every_Contract_Header_Is_Present_With_The_Right_Value()
    {
        var body = """{"CorrelationId":"c0","Subject":"events.todo.newitem","Item":{"ToDoId":1,"Item":"buy milk","DateAdded":"2026-11-27T08:30:00Z"}}"""u8.ToArray();
        var e = Event(body);
        var result = await _host.Dispatcher.DispatchAsync(e, Endpoint, Fast, CancellationToken.None);

        Assert.Equal(DispatchOutcome.Delivered, result.Outcome);
        Assert.Equal(200, result.StatusCode);
        Assert.Equal(1, result.Attempts);
        var request = Assert.Single(_function.Requests);
        Assert.Equal("POST", request.Method);
        Assert.Equal("/", request.Path);
        Assert.Equal(body, request.Body);
        Assert.Equal(e.Id, request.Header("event-id"));
        Assert.Equal("2026-11-27T06:30:15.123Z", request.Header("event-time"));
        Assert.Equal("application/json", request.Header("event-type"));
        Assert.Equal("natstriggers.kubeless.io", request.Header("event-namespace"));
        Assert.Equal("events.todo.newitem", request.Header("event-topic"));
        Assert.Equal("application/json", request.Header("Content-Type"));
        Assert.Equal("1.0", request.Header("ce-specversion"));
        Assert.Equal(e.Id, request.Header("ce-id"));
        Assert.Equal(e.Source, request.Header("ce-source"));
        Assert.Equal("io.kubeless.nats.message", request.Header("ce-type"));
        Assert.Equal("2026-11-27T06:30:15.123Z", request.Header("ce-time"));
        Assert.Equal("events.todo.newitem", request.Header("ce-subject"));
        Assert.Matches("^00-[0-9a-f]{32}-[0-9a-f]{16}-0[01]$", request.Header("traceparent"));
    }

    [Theory]
    [InlineData("{\"a\":1}", "application/json")]
    [InlineData("  [1, 2, {\"b\": null}]\n", "application/json")]
    [InlineData("\"just a json string\"", "text/plain; charset=utf-8")]
    [InlineData("42", "text/plain; charset=utf-8")]
    [InlineData("{not json", "text/plain; charset=utf-8")]
    [InlineData("hello, wörld", "text/plain; charset=utf-8")]
    [InlineData("", "text/plain; charset=utf-8")]
    public async Task Content_Type_Follows_The_Body(string body, string expected)
    {
        await _host.Dispatcher.DispatchAsync(Event(Encoding.UTF8.GetBytes(body)), Endpoint, Fast, CancellationToken.None);
        var request = Assert.Single(_function.Requests);
        Assert.Equal(expected, request.Header("Content-Type"));
        Assert.Equal(expected, request.Header("event-type"));
    }

    [Fact]
    public async Task Binary_Body_Is_Octet_Stream_And_Arrives_Byte_For_Byte()
    {
        byte[] body = [0xff, 0xfe, 0x00, 0x01, 0xc3, 0x28];
        await _host.Dispatcher.DispatchAsync(Event(body), Endpoint, Fast, CancellationToken.None);
        var request = Assert.Single(_function.Requests);
        Assert.Equal("application/octet-stream", request.Header("Content-Type"));
        Assert.Equal(body, request.Body);
    }

    [Fact]
    public async Task The_Message_Content_Type_Wins()
    {
        await _host.Dispatcher.DispatchAsync(Event("{\"a\":1}"u8.ToArray(), contentType: "application/cloudevents+json"), Endpoint, Fast, CancellationToken.None);
        Assert.Equal("application/cloudevents+json", Assert.Single(_function.Requests).Header("Content-Type"));
    }

    [Fact]
    public async Task Message_Headers_Are_Forwarded_But_Never_Override_The_Contract()
    {
        var e = Event("x"u8.ToArray(), headers: [new("X-Tenant", "acme"), new("event-id", "forged"), new("Host", "evil"), new("Bad\nName", "v"), new("X-Bad-Value", "a\r\nInjected: 1")]);
        await _host.Dispatcher.DispatchAsync(e, Endpoint, Fast, CancellationToken.None);
        var request = Assert.Single(_function.Requests);
        Assert.Equal("acme", request.Header("X-Tenant"));
        Assert.Equal(e.Id, request.Header("event-id"));
        Assert.Null(request.Header("Injected"));
        Assert.Null(request.Header("X-Bad-Value"));
    }

    [Fact]
    public async Task Traceparent_Continues_The_Message_Trace()
    {
        const string parent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
        await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray(), traceParent: parent), Endpoint, Fast, CancellationToken.None);
        var traceparent = Assert.Single(_function.Requests).Header("traceparent");
        Assert.NotNull(traceparent);
        Assert.StartsWith("00-0af7651916cd43dd8448eb211c80319c-", traceparent);
        Assert.DoesNotContain("b7ad6b7169203331", traceparent);
        Assert.DoesNotContain(",", traceparent);
    }

    [Fact]
    public async Task Retries_503_Then_Succeeds_With_The_Same_Event_Id()
    {
        _function.FailFirst(2, 503);
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, Fast, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Delivered, result.Outcome);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, _function.Count);
        Assert.Single(_function.Requests.Select(r => r.Header("event-id")).Distinct());
    }

    [Theory]
    [InlineData(408)]
    [InlineData(429)]
    [InlineData(500)]
    [InlineData(502)]
    public async Task Retryable_Statuses_Are_Retried_Until_Attempts_Run_Out(int status)
    {
        _function.RespondWith(status);
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, Fast with { MaxAttempts = 3 }, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(3, result.Attempts);
        Assert.Equal(3, _function.Count);
    }

    [Theory]
    [InlineData(400)]
    [InlineData(404)]
    [InlineData(422)]
    public async Task Does_Not_Retry_A_Client_Error(int status)
    {
        _function.Respond(_ => new FunctionReply(status, "bad item"));
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, Fast, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Poison, result.Outcome);
        Assert.Equal(status, result.StatusCode);
        Assert.Equal(1, result.Attempts);
        Assert.Equal("bad item", Encoding.UTF8.GetString(result.ResponseBody.Span));
        Assert.Equal(1, _function.Count);
    }

    [Fact]
    public async Task Returns_The_Response_Body_Of_A_Delivered_Event()
    {
        _function.Respond(_ => new FunctionReply(201, "{\"ok\":true}") { ContentType = "application/json" });
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, Fast, CancellationToken.None);
        Assert.True(result.IsDelivered);
        Assert.Equal("{\"ok\":true}", Encoding.UTF8.GetString(result.ResponseBody.Span));
        Assert.Equal("application/json", result.ResponseContentType);
    }

    [Fact]
    public async Task Honours_Retry_After_Instead_Of_Its_Own_Backoff()
    {
        // The policy's own backoff is an hour: only the function's Retry-After: 1 can make the retry happen in time.
        var slowBackoff = new DeliveryPolicy(3, TimeSpan.FromHours(1), TimeSpan.FromHours(1), TimeSpan.FromSeconds(10));
        _function.Respond(r => r.Index == 0 ? new FunctionReply(503) { Headers = new Dictionary<string, string> { ["Retry-After"] = "1" } } : FunctionReply.Ok);
        var dispatch = _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, slowBackoff, CancellationToken.None).AsTask();
        await Eventually.WaitUntilAsync(() => dispatch.IsCompleted, "the retry after Retry-After: 1 completed");
        var result = await dispatch;
        Assert.Equal(DispatchOutcome.Delivered, result.Outcome);
        var requests = _function.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromMilliseconds(900), "the retry waited for Retry-After");
    }

    [Fact]
    public async Task Times_Out_A_Hung_Function_Per_Attempt()
    {
        _function.DelayEach(TimeSpan.FromMinutes(5));
        // Long enough for both requests to reach the function (the test waits for them) on a loaded machine; the
        // function hangs for minutes, so each attempt still ends only by its timeout.
        var policy = Fast with { MaxAttempts = 2, Timeout = TimeSpan.FromSeconds(2) };
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, policy, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);
        Assert.Null(result.StatusCode);
        Assert.Contains("timeout", result.Reason);
        Assert.Equal(2, result.Attempts);
        await _function.WaitForRequestsAsync(2);
    }

    [Fact]
    public async Task A_Dropped_Connection_Is_Retryable()
    {
        _function.Respond(r => r.Index == 0 ? new FunctionReply(DropConnection: true) : FunctionReply.Ok);
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, Fast, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Delivered, result.Outcome);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task Connection_Refused_Is_Retryable_With_A_Reason()
    {
        var port = _function.Url.Port;
        await _function.DisposeAsync();
        var result = await _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), new FunctionEndpoint("ns", "gone", new Uri($"http://127.0.0.1:{port}/")), Fast with { MaxAttempts = 2 }, CancellationToken.None);
        _function = await RecordingFunctionServer.StartAsync();
        Assert.Equal(DispatchOutcome.Retryable, result.Outcome);
        Assert.Contains("connection error", result.Reason);
        Assert.Equal(2, result.Attempts);
    }

    [Fact]
    public async Task Opens_The_Breaker_For_A_Failing_Endpoint_And_Fails_Fast()
    {
        using var host = new DispatcherHost(d =>
        {
            d.BreakerMinimumThroughput = 4;
            d.BreakerFailureRatio = 0.5;
            d.BreakerBreakDuration = TimeSpan.FromMinutes(1);
        });
        _function.RespondWith(500);
        var once = Fast with { MaxAttempts = 1 };
        var results = new List<DispatchResult>();
        for (var i = 0; i < 10; i++)
        {
            results.Add(await host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, once, CancellationToken.None));
        }

        Assert.All(results, r => Assert.Equal(DispatchOutcome.Retryable, r.Outcome));
        Assert.Contains(results, r => r.Reason.Contains("circuit open", StringComparison.Ordinal));
        Assert.True(_function.Count < 10, $"the open breaker kept calls from the function (it got {_function.Count} of 10)");
    }

    [Fact]
    public async Task The_Breaker_Is_Per_Endpoint()
    {
        using var host = new DispatcherHost(d =>
        {
            d.BreakerMinimumThroughput = 2;
            d.BreakerBreakDuration = TimeSpan.FromMinutes(1);
        });
        await using var healthy = await RecordingFunctionServer.StartAsync();
        _function.RespondWith(500);
        var once = Fast with { MaxAttempts = 1 };
        for (var i = 0; i < 6; i++)
        {
            await host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, once, CancellationToken.None);
        }

        var result = await host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), new FunctionEndpoint("ns", "healthy", healthy.Url), once, CancellationToken.None);
        Assert.Equal(DispatchOutcome.Delivered, result.Outcome);
    }

    [Fact]
    public async Task Cancellation_Stops_Retrying()
    {
        _function.RespondWith(503);
        using var cts = new CancellationTokenSource();
        var slow = new DeliveryPolicy(100, TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(30), TimeSpan.FromSeconds(10));
        var dispatch = _host.Dispatcher.DispatchAsync(Event("x"u8.ToArray()), Endpoint, slow, cts.Token).AsTask();
        await _function.WaitForRequestsAsync(1);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => dispatch);
    }

    [Fact]
    public void Classification_Matches_The_Contract()
    {
        Assert.Equal(DispatchOutcome.Delivered, HttpEventDispatcher.Classify(System.Net.HttpStatusCode.NoContent));
        Assert.Equal(DispatchOutcome.Retryable, HttpEventDispatcher.Classify(System.Net.HttpStatusCode.RequestTimeout));
        Assert.Equal(DispatchOutcome.Retryable, HttpEventDispatcher.Classify(System.Net.HttpStatusCode.TooManyRequests));
        Assert.Equal(DispatchOutcome.Retryable, HttpEventDispatcher.Classify(System.Net.HttpStatusCode.ServiceUnavailable));
        Assert.Equal(DispatchOutcome.Poison, HttpEventDispatcher.Classify(System.Net.HttpStatusCode.BadRequest));
        Assert.Equal(DispatchOutcome.Poison, HttpEventDispatcher.Classify(System.Net.HttpStatusCode.Conflict));
    }

    [Fact]
    public void Activity_Source_Is_Named_For_The_Worker_Tracing_Setup() =>
        Assert.StartsWith("Triggers.", HttpEventDispatcher.ActivitySource.Name, StringComparison.Ordinal);
}
