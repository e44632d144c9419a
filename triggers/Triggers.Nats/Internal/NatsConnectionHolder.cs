using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using NATS.Client.Core;
using Triggers.Core.Hosting;

namespace Triggers.Nats.Internal;

/// <summary>
/// The worker's one NATS connection: built from <see cref="NatsOptions"/>, reconnecting forever,
/// with slow-consumer and drop events logged and counted.
/// </summary>
internal sealed class NatsConnectionHolder : IAsyncDisposable
{
    private readonly ILogger _logger;
    private readonly Counter<long> _slowConsumers;
    private readonly Counter<long> _dropped;
    private readonly Counter<long> _disconnects;
    private readonly ConditionalWeakTable<NatsSubBase, DropReporter> _reporters = [];

    public NatsConnectionHolder(IOptions<NatsOptions> options, TriggerMetrics metrics, ILoggerFactory loggerFactory)
    {
        _logger = loggerFactory.CreateLogger("Triggers.Nats.Connection");
        _slowConsumers = metrics.Meter.CreateCounter<long>("triggers.nats.slow_consumers", "{event}", "Times a subscription's client buffer filled up (reading paused, nothing dropped).");
        _dropped = metrics.Meter.CreateCounter<long>("triggers.nats.dropped", "{message}", "Core NATS messages dropped because their subscription's buffer (Nats:PendingMessagesLimit, Nats:PendingBytesLimit) was full, per trigger.");
        _disconnects = metrics.Meter.CreateCounter<long>("triggers.nats.disconnects", "{event}", "Times the connection to NATS was lost.");
        Connection = new NatsConnection(BuildOpts(options.Value, loggerFactory));
        Connection.ConnectionOpened += (_, _) =>
        {
            Log.Connected(_logger, Connection.ServerInfo?.Host is { } host ? $"{host}:{Connection.ServerInfo.Port}" : options.Value.Url);
            return default;
        };
        Connection.ConnectionDisconnected += (_, _) =>
        {
            _disconnects.Add(1);
            Log.Disconnected(_logger);
            return default;
        };
        Connection.ReconnectFailed += (_, _) =>
        {
            Log.ReconnectFailed(_logger);
            return default;
        };
        Connection.SlowConsumerDetected += (_, args) =>
        {
            _slowConsumers.Add(1, new KeyValuePair<string, object?>("subject", args.Subscription.Subject));
            Log.SlowConsumer(_logger, args.Subscription.Subject);
            return default;
        };
        Connection.MessageDropped += (_, args) =>
        {
            // A subscription's small in-transit channel overflowed (its forwarder starved of CPU).
            if (_reporters.TryGetValue(args.Subscription, out var reporter))
            {
                reporter.Dropped(args.Pending, 0);
            }
            else
            {
                _dropped.Add(1, new KeyValuePair<string, object?>("subject", args.Subscription.Subject));
                Log.MessageDropped(_logger, args.Subject, args.Pending);
            }

            return default;
        };
    }

    public NatsConnection Connection { get; }

    public bool IsConnected => Connection.ConnectionState == NatsConnectionState.Open;

    public ValueTask DisposeAsync() => Connection.DisposeAsync();

    /// <summary>Counts one dropped message of a subscription on <c>triggers.nats.dropped</c>.</summary>
    public void CountDropped(in TagList tags) => _dropped.Add(1, tags);

    /// <summary>Drops the client reports for <paramref name="subscription"/> go to its reporter (tagged with its trigger).</summary>
    public void Register(NatsSubBase subscription, DropReporter reporter) => _reporters.AddOrUpdate(subscription, reporter);

    internal static NatsOpts BuildOpts(NatsOptions options, ILoggerFactory? loggerFactory = null)
    {
        var auth = NatsAuthOpts.Default;
        if (!string.IsNullOrEmpty(options.User))
        {
            auth = auth with { Username = options.User, Password = options.Password };
        }
        else if (!string.IsNullOrEmpty(options.Token))
        {
            auth = auth with { Token = options.Token };
        }
        else if (!string.IsNullOrEmpty(options.CredsFile))
        {
            auth = auth with { CredsFile = options.CredsFile };
        }
        else if (!string.IsNullOrEmpty(options.NKeySeedFile))
        {
            auth = auth with { NKeyFile = options.NKeySeedFile };
        }

        var tls = NatsTlsOpts.Default with
        {
            CaFile = NullIfEmpty(options.Tls.CaFile),
            CertFile = NullIfEmpty(options.Tls.CertFile),
            KeyFile = NullIfEmpty(options.Tls.KeyFile),
            InsecureSkipVerify = options.Tls.InsecureSkipVerify,
        };
        if (options.Tls.Required || !string.IsNullOrEmpty(options.Tls.CertFile) || !string.IsNullOrEmpty(options.Tls.CaFile))
        {
            tls = tls with { Mode = TlsMode.Require };
        }

        var urls = string.Join(',', options.Url.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
        return NatsOpts.Default with
        {
            Url = urls,
            Name = options.ClientName,
            AuthOpts = auth,
            TlsOpts = tls,
            LoggerFactory = loggerFactory ?? NullLoggerFactory.Instance,
            RetryOnInitialConnect = true,
            MaxReconnectRetry = -1,
            ReconnectWaitMin = TimeSpan.FromMilliseconds(250),
            ReconnectWaitMax = TimeSpan.FromSeconds(5),
            ReconnectJitter = TimeSpan.FromMilliseconds(250),
            SubPendingChannelCapacity = options.PendingMessagesLimit,

            // Only JetStream's pull consumers use this default: they never hold more than they
            // asked for, so waiting is safe. Core subscriptions set their own (drop newest, per
            // subscription) so that one full buffer never pauses the reader every subscription shares.
            SubPendingChannelFullMode = BoundedChannelFullMode.Wait,
        };
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrEmpty(value) ? null : value;
}
