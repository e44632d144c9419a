namespace Triggers.Nats;

/// <summary>Settings of the <c>Nats</c> configuration section: where the broker is, how to authenticate, and flow control.</summary>
public sealed class NatsOptions
{
    public const string Section = "Nats";

    /// <summary>Server URLs, comma separated (<c>nats://a:4222,nats://b:4222</c>); the client fails over between them.</summary>
    public string Url { get; set; } = "nats://localhost:4222";

    /// <summary>Client name shown by the server's monitoring endpoints.</summary>
    public string ClientName { get; set; } = "triggers-nats";

    public string? User { get; set; }

    public string? Password { get; set; }

    public string? Token { get; set; }

    /// <summary>Path of a <c>.creds</c> file (JWT and NKey seed) for decentralised auth.</summary>
    public string? CredsFile { get; set; }

    /// <summary>Path of a file holding an NKey seed (<c>SU...</c>).</summary>
    public string? NKeySeedFile { get; set; }

    public NatsTlsOptions Tls { get; set; } = new();

    /// <summary>Concurrent POSTs per subscription when a trigger sets no <c>spec.maxInFlight</c>.</summary>
    public int DefaultMaxInFlight { get; set; } = 16;

    /// <summary>Upper bound a trigger's <c>spec.maxInFlight</c> may ask for.</summary>
    public int MaxInFlightLimit { get; set; } = 1024;

    /// <summary>How long stopping a subscription waits for in-flight POSTs and buffered messages before abandoning them.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>
    /// Messages buffered per core NATS subscription. Core NATS cannot slow a publisher down, so a
    /// burst must fit here. When this or <see cref="PendingBytesLimit"/> is reached, that
    /// subscription's newest messages are dropped and counted (<c>triggers.nats.dropped</c>):
    /// the connection's reader never waits, so no other subscription is held up. Core NATS is
    /// at-most-once; a trigger that must not lose messages uses JetStream.
    /// </summary>
    public int PendingMessagesLimit { get; set; } = 262_144;

    /// <summary>Bytes (subject, headers and payload) buffered per core NATS subscription; see <see cref="PendingMessagesLimit"/>.</summary>
    public long PendingBytesLimit { get; set; } = 16L * 1024 * 1024;

    /// <summary>
    /// Subject patterns triggers may subscribe, dead-letter and reply to; <c>{namespace}</c> stands for
    /// the trigger's namespace (<c>{namespace}.&gt;</c>). Empty: every subject except reserved ones
    /// (<c>$...</c>, <c>_INBOX...</c>, a leading wildcard).
    /// </summary>
    public string[] AllowedSubjects { get; set; } = [];

    /// <summary>How long starting one subscription may take before it is reported as failed and retried.</summary>
    public TimeSpan SubscribeTimeout { get; set; } = TimeSpan.FromSeconds(10);
}
