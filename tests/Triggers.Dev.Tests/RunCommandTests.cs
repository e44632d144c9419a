using System.Text.Json;
using Triggers.Testing;

namespace Triggers.Dev.Tests;

public sealed class RunCommandTests : IAsyncLifetime
{
    private readonly string _folder = Directory.CreateTempSubdirectory("triggers-run-").FullName;
    private readonly string _id = Guid.NewGuid().ToString("N")[..8];
    private RecordingFunctionServer _function = null!;

    private string Session => Path.Combine(_folder, "session.json");

    private string Manifests => Path.Combine(_folder, "manifests");

    public async Task InitializeAsync()
    {
        _function = await RecordingFunctionServer.StartAsync();
        Directory.CreateDirectory(Manifests);
        await File.WriteAllTextAsync(Path.Combine(Manifests, "all.yaml"), $$$"""
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: nats-fn
              labels: {function: nats-fn}
              annotations: {triggers/endpoint: "{{{_function.Url}}}nats"}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: NATSTrigger
            metadata:
              name: nats-trigger
            spec:
              topic: dev.{{{_id}}}.items
              functionSelector: {matchLabels: {function: nats-fn}}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: kafka-fn
              labels: {function: kafka-fn}
              annotations: {triggers/endpoint: "{{{_function.Url}}}kafka"}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: KafkaTrigger
            metadata:
              name: kafka-trigger
            spec:
              topic: dev-{{{_id}}}
              initialOffset: earliest
              functionSelector: {matchLabels: {function: kafka-fn}}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: Function
            metadata:
              name: cron-fn
              annotations: {triggers/endpoint: "{{{_function.Url}}}cron"}
            ---
            apiVersion: kubeless.io/v1beta1
            kind: CronJobTrigger
            metadata:
              name: yearly
            spec:
              function-name: cron-fn
              schedule: "@yearly"
              payload: {job: cleanup}
            """);
    }

    public async Task DisposeAsync()
    {
        await _function.DisposeAsync();
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task Run_Delivers_Nats_Kafka_And_Cron_Events_With_Embedded_Brokers_And_Shuts_Down_Cleanly()
    {
        await using var run = DevProcess.Start(Session, "run", "--manifests", Manifests, "--state", Path.Combine(_folder, "state.json"), "--session", Session);
        await run.WaitForOutputAsync("Deliveries");
        Assert.False(run.HasExited, string.Join('\n', run.Output));
        Assert.Contains(run.Output, l => l.Contains("embedded nats-server", StringComparison.Ordinal));
        Assert.Contains(run.Output, l => l.Contains("librdkafka mock cluster", StringComparison.Ordinal));
        Assert.Contains(run.Output, l => l.Contains("default/nats-trigger", StringComparison.Ordinal) && l.Contains("Ready", StringComparison.Ordinal));

        using var session = JsonDocument.Parse(await File.ReadAllTextAsync(Session));
        var natsPid = session.RootElement.GetProperty("NatsServerProcessId").GetInt32();
        Assert.True(DevProcess.IsRunning(natsPid));

        var publish = await DevProcess.RunAsync(Session, "publish", "nats", $"dev.{_id}.items", """{"Item":{"Item":"milk","DateAdded":"2026-11-27"}}""");
        Assert.True(publish.ExitCode == 0, publish.Output);
        var produce = await DevProcess.RunAsync(Session, "produce", "kafka", $"dev-{_id}", "order-1", "--key", "customer-7");
        Assert.True(produce.ExitCode == 0, produce.Output);
        var fire = await DevProcess.RunAsync(Session, "fire", "default/yearly");
        Assert.True(fire.ExitCode == 0, fire.Output);

        await Eventually.WaitUntilAsync(() => _function.Requests.Select(r => r.Path).Distinct().Count() == 3, "the three functions were called", TimeSpan.FromSeconds(60));
        var requests = _function.Requests;
        var nats = requests.Single(r => r.Path == "/nats");
        Assert.Equal("natstriggers.kubeless.io", nats.Header("event-namespace"));
        Assert.Equal("application/json", nats.Header("Content-Type"));
        var kafka = requests.Single(r => r.Path == "/kafka");
        Assert.Equal("order-1", kafka.BodyText);
        Assert.Equal("customer-7", kafka.Header("kafka-key"));
        var cron = requests.Single(r => r.Path == "/cron");
        Assert.Equal("""{"job":"cleanup"}""", cron.BodyText);
        Assert.Equal("cronjobtriggers.kubeless.io", cron.Header("event-namespace"));
        await Eventually.WaitUntilAsync(() => run.Output.Count(l => l.Contains(" 200 ", StringComparison.Ordinal)) >= 3, "three delivery lines were printed");

        Assert.Equal(0, await run.TerminateAsync());
        Assert.Contains(run.Output, l => l.StartsWith("Summary:", StringComparison.Ordinal));
        Assert.DoesNotContain(run.Output, l => l.TrimStart().StartsWith("at ", StringComparison.Ordinal) || l.Contains("Exception", StringComparison.Ordinal));
        Assert.False(DevProcess.IsRunning(natsPid), "the embedded nats-server was stopped with the runner");
        Assert.False(File.Exists(Session), "the session file was removed");
    }

    [Fact]
    public async Task Send_Commands_Without_A_Running_Runner_Say_So()
    {
        var (exit, output) = await DevProcess.RunAsync(Path.Combine(_folder, "no-session.json"), "publish", "nats", "a.b", "x");
        Assert.Equal(1, exit);
        Assert.Contains("no running triggers-dev found", output);
    }
}
