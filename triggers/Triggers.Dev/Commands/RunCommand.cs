using System.Text;
using Confluent.Kafka;
using NATS.Client.Core;
using Triggers.Dev.Embedded;
using Triggers.Dev.Internal;

namespace Triggers.Dev.Commands;

/// <summary><c>run</c> and <c>demo</c>: the three workers in one process, optionally with demo functions and sample events.</summary>
internal static class RunCommand
{
    private static readonly TimeSpan ReadyTimeout = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan DemoTimeout = TimeSpan.FromSeconds(60);

    public static async Task<int> ExecuteAsync(RunArguments arguments, bool demo, TextWriter writer, CancellationToken cancellationToken)
    {
        var output = new Output(writer, arguments.Json);
        var manifests = arguments.Manifests ?? ExamplesFolder.Find()
            ?? throw new UsageException("no manifests folder: pass --manifests PATH (deploy/examples/local was not found from here)");
        var functionsPort = arguments.FunctionsPort;

        DemoFunctions? functions = null;
        if (demo)
        {
            functions = await DemoFunctions.StartAsync(functionsPort, cancellationToken).ConfigureAwait(false);
            functions.Logged += text => output.Event("function", $"  [function] {text}", new { text });
        }

        try
        {
            using var feed = new DeliveryFeed();
            output.Info($"Starting workers over {Path.GetFullPath(manifests)} ...");
            await using var runner = await LocalRunner.StartAsync(
                new RunSettings(manifests, arguments.Nats, arguments.Kafka, arguments.State, arguments.Session, arguments.Verbose),
                cancellationToken).ConfigureAwait(false);

            PrintAddresses(output, runner, functions is null ? null : functionsPort);
            var ready = await WaitAsync(() => runner.AllReady, ReadyTimeout, cancellationToken).ConfigureAwait(false);
            PrintTriggers(output, runner);
            if (!ready)
            {
                output.Error("Not every trigger is running yet (see the table); deliveries start as soon as they are.");
            }

            output.Info("Deliveries (kind, trigger -> function, status, latency):");
            feed.Delivered += output.Delivery;

            var exit = 0;
            if (demo)
            {
                exit = await RunSamplesAsync(output, runner, feed, cancellationToken).ConfigureAwait(false);
            }

            if (!demo || arguments.Watch)
            {
                output.Info("Watching for changes and events; Ctrl+C stops.");
                try
                {
                    await Task.Delay(Timeout.Infinite, cancellationToken).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                }
            }

            PrintSummary(output, feed);
            return exit;
        }
        finally
        {
            if (functions is not null)
            {
                await functions.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    private static async Task<int> RunSamplesAsync(Output output, LocalRunner runner, DeliveryFeed feed, CancellationToken cancellationToken)
    {
        var since = DateTimeOffset.UtcNow;
        output.Info("Sending sample events: 3 to-do items on NATS, 2 orders on Kafka, 1 cron tick ...");
        await using (var nats = new NatsConnection(new NatsOpts { Url = runner.NatsUrl, Name = "triggers-dev-demo" }))
        {
            string[] items = ["Buy milk", "Read chapter 21", "Deploy the audit function"];
            for (var i = 0; i < items.Length; i++)
            {
                var json = $$$"""{"CorrelationId":"{{{Guid.NewGuid()}}}","Subject":"events.todo.newitem","Item":{"ToDoId":{{{i + 1}}},"Item":"{{{items[i]}}}","DateAdded":"{{{DateTime.UtcNow:O}}}"}}""";
                await nats.PublishAsync("events.todo.newitem", Encoding.UTF8.GetBytes(json), cancellationToken: cancellationToken).ConfigureAwait(false);
            }

            // PublishAsync returns once the message is queued in the client's write buffer, and
            // disposing the connection does not wait for that buffer to reach the server: the
            // likely way a sample got lost ("Only 5 of 6"). The server answers a PING only after
            // reading every PUB before it, so the samples have arrived when this returns.
            await nats.PingAsync(cancellationToken).ConfigureAwait(false);
        }

        using (var producer = new ProducerBuilder<string, string>(new ProducerConfig { BootstrapServers = runner.KafkaBootstrap, Acks = Acks.All }).Build())
        {
            for (var i = 1; i <= 2; i++)
            {
                await producer.ProduceAsync("orders", new Message<string, string> { Key = $"customer-{i}", Value = $$"""{"orderId":{{i}},"total":{{i * 10}}}""" }, cancellationToken).ConfigureAwait(false);
            }
        }

        await FireSampleTickAsync(runner, cancellationToken).ConfigureAwait(false);

        // Count the sample deliveries themselves: a scheduled or catch-up cron tick is a delivery
        // too, and must neither stand in for a lost sample nor end the wait early.
        int Arrived(string trigger) => feed.All.Count(d => d.Trigger == trigger && d.At >= since);
        bool AllArrived() => Arrived("default/todo-audit") >= 3 && Arrived("default/orders") >= 2 && Arrived("default/todo-mutating-handler") >= 1;
        const int expected = 6;
        if (!await WaitAsync(AllArrived, DemoTimeout, cancellationToken).ConfigureAwait(false))
        {
            var arrived = Math.Min(3, Arrived("default/todo-audit")) + Math.Min(2, Arrived("default/orders")) + Math.Min(1, Arrived("default/todo-mutating-handler"));
            output.Error($"Only {arrived} of {expected} sample deliveries arrived within {DemoTimeout.TotalSeconds:0} s.");
            return 1;
        }

        var failed = feed.All.Count(d => d.Outcome != "Delivered");
        if (failed > 0)
        {
            output.Error($"{failed} sample deliveries did not succeed.");
            return 1;
        }

        output.Info("All sample events were delivered.");
        return 0;
    }

    /// <summary>
    /// Fires the sample tick. The cron worker refuses a run-now while the trigger's previous call
    /// still runs (concurrencyPolicy Forbid), which happens when the demo starts on a minute
    /// boundary or right after a catch-up tick: try again until that call is done.
    /// </summary>
    private static async Task FireSampleTickAsync(LocalRunner runner, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            try
            {
                await SendCommands.FireCronAsync(runner.Worker("cron").Address, "default", "todo-mutating-handler", runner.CronRunToken, cancellationToken).ConfigureAwait(false);
                return;
            }
            catch (CronRefusedException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200, cancellationToken).ConfigureAwait(false);
            }
        }
    }

    private static void PrintAddresses(Output output, LocalRunner runner, int? functionsPort)
    {
        output.Info($"NATS:  {runner.NatsUrl}{(runner.EmbeddedNats ? "  (embedded nats-server)" : "")}", new { nats = runner.NatsUrl, embedded = runner.EmbeddedNats });
        output.Info($"Kafka: {runner.KafkaBootstrap}{(runner.EmbeddedKafka ? "  (embedded: librdkafka mock cluster; other clients may connect)" : "")}", new { kafka = runner.KafkaBootstrap, embedded = runner.EmbeddedKafka });
        foreach (var worker in runner.Workers)
        {
            output.Info($"Worker {worker.Name,-5} {worker.Address}  (/readyz /status /metrics)", new { worker = worker.Name, address = worker.Address });
        }

        if (functionsPort is { } port)
        {
            output.Info($"Demo functions: http://127.0.0.1:{port}/audit /cleanup /orders");
        }
    }

    private static void PrintTriggers(Output output, LocalRunner runner)
    {
        var states = runner.Workers.SelectMany(w => w.Status.All).ToList();
        output.Info($"Triggers ({states.Count}):");
        output.Table("trigger", ["Kind", "Trigger", "Ready", "Reason", "Message"], states.Select(s => (
            new[] { s.Kind.Kind, s.Trigger.ToString(), s.Condition.Ready ? "Ready" : "NotReady", s.Condition.Reason, s.Condition.Message },
            s.Condition.Ready,
            (object)new { kind = s.Kind.Kind, trigger = s.Trigger.ToString(), ready = s.Condition.Ready, reason = s.Condition.Reason, message = s.Condition.Message })));

        foreach (var problem in runner.Workers.SelectMany(w => w.Diagnostics.Problems).Select(p => p.ToString()).Distinct())
        {
            output.Error($"  manifest problem: {problem}", new { problem });
        }
    }

    private static void PrintSummary(Output output, DeliveryFeed feed)
    {
        var byOutcome = feed.All.GroupBy(d => d.Outcome).ToDictionary(g => g.Key, g => g.Count());
        var text = byOutcome.Count == 0 ? "no deliveries" : string.Join(", ", byOutcome.Select(kv => $"{kv.Value} {kv.Key.ToLowerInvariant()}"));
        output.Event("summary", $"Summary: {feed.Count} dispatches: {text}", new { total = feed.Count, outcomes = byOutcome });
    }

    private static async Task<bool> WaitAsync(Func<bool> condition, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }

        return true;
    }
}
