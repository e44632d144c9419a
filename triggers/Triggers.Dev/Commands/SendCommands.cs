using System.Text;
using Confluent.Kafka;
using NATS.Client.Core;
using Triggers.Dev.Internal;

namespace Triggers.Dev.Commands;

/// <summary><c>publish</c>, <c>produce</c> and <c>fire</c>: send one test event into the running setup.</summary>
internal static class SendCommands
{
    public static async Task<int> PublishAsync(CommandLine line, TextWriter output, CancellationToken cancellationToken)
    {
        if (line.Positional.Count != 4 || line.Positional[1] != "nats")
        {
            throw new UsageException("usage: triggers-dev publish nats SUBJECT DATA [--nats URL] [--header K=V]");
        }

        var url = line.Option("nats") ?? Session.Load(Session.DefaultPath)?.Nats
            ?? throw new InvalidOperationException("no running triggers-dev found: start `triggers-dev run` first or pass --nats URL");
        var headers = new NatsHeaders();
        if (line.Option("header") is { } header)
        {
            var eq = header.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new UsageException($"--header must be K=V (got '{header}')");
            }

            headers[header[..eq]] = header[(eq + 1)..];
        }

        await using var nats = new NatsConnection(new NatsOpts { Url = url, Name = "triggers-dev-publish" });
        await nats.ConnectAsync().ConfigureAwait(false);
        await nats.PublishAsync(line.Positional[2], Encoding.UTF8.GetBytes(line.Positional[3]), headers: headers.Count > 0 ? headers : null, cancellationToken: cancellationToken).ConfigureAwait(false);
        await nats.PingAsync(cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"published {Encoding.UTF8.GetByteCount(line.Positional[3])} bytes to {line.Positional[2]} on {url}").ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> ProduceAsync(CommandLine line, TextWriter output, CancellationToken cancellationToken)
    {
        if (line.Positional.Count != 4 || line.Positional[1] != "kafka")
        {
            throw new UsageException("usage: triggers-dev produce kafka TOPIC DATA [--key K] [--kafka BOOTSTRAP]");
        }

        var bootstrap = line.Option("kafka") ?? Session.Load(Session.DefaultPath)?.Kafka
            ?? throw new InvalidOperationException("no running triggers-dev found: start `triggers-dev run` first or pass --kafka BOOTSTRAP");
        using var producer = new ProducerBuilder<string?, string>(new ProducerConfig { BootstrapServers = bootstrap, Acks = Acks.All, MessageTimeoutMs = 15000 }).Build();
        var result = await producer.ProduceAsync(line.Positional[2], new Message<string?, string> { Key = line.Option("key"), Value = line.Positional[3] }, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"produced to {result.Topic} partition {result.Partition.Value} offset {result.Offset.Value} on {bootstrap}").ConfigureAwait(false);
        return 0;
    }

    public static async Task<int> FireAsync(CommandLine line, TextWriter output, CancellationToken cancellationToken)
    {
        if (line.Positional.Count != 2 || line.Positional[1].Split('/') is not [{ Length: > 0 } ns, { Length: > 0 } name])
        {
            throw new UsageException("usage: triggers-dev fire NAMESPACE/NAME [--cron URL] [--token TOKEN]");
        }

        var session = Session.Load(Session.DefaultPath);
        var cron = line.Option("cron") ?? session?.CronWorker
            ?? throw new InvalidOperationException("no running triggers-dev found: start `triggers-dev run` first or pass --cron URL");
        await FireCronAsync(new Uri(cron), ns, name, line.Option("token") ?? session?.CronRunToken, cancellationToken).ConfigureAwait(false);
        await output.WriteLineAsync($"fired CronJobTrigger {ns}/{name}").ConfigureAwait(false);
        return 0;
    }

    /// <summary>Asks the cron worker to fire a trigger once now (its run endpoint, enabled by the local runner).</summary>
    public static async Task FireCronAsync(Uri cronWorker, string @namespace, string name, string? token, CancellationToken cancellationToken)
    {
        using var http = new HttpClient { BaseAddress = cronWorker, Timeout = TimeSpan.FromSeconds(30) };
        using var request = new HttpRequestMessage(HttpMethod.Post, $"cron/{Uri.EscapeDataString(@namespace)}/{Uri.EscapeDataString(name)}/run");
        if (token is { Length: > 0 })
        {
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await http.SendAsync(request, cancellationToken).ConfigureAwait(false);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
            throw new InvalidOperationException($"cron worker refused to fire {@namespace}/{name}: {(int)response.StatusCode} {body}");
        }
    }
}
