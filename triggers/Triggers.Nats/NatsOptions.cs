using Microsoft.Extensions.Options;

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

/// <summary>TLS settings of the NATS connection (<c>Nats:Tls</c>).</summary>
public sealed class NatsTlsOptions
{
    /// <summary>PEM file of the CA that signed the server certificate.</summary>
    public string? CaFile { get; set; }

    /// <summary>PEM client certificate (mutual TLS); needs <see cref="KeyFile"/>.</summary>
    public string? CertFile { get; set; }

    public string? KeyFile { get; set; }

    /// <summary>Require TLS even for <c>nats://</c> URLs.</summary>
    public bool Required { get; set; }

    /// <summary>Accept any server certificate (development only).</summary>
    public bool InsecureSkipVerify { get; set; }
}

/// <summary>Checks <see cref="NatsOptions"/> at start; every message names the configuration key.</summary>
public sealed class NatsOptionsValidator : IValidateOptions<NatsOptions>
{
    private static readonly string[] Schemes = ["nats", "tls", "ws", "wss"];

    public ValidateOptionsResult Validate(string? name, NatsOptions options)
    {
        var errors = new List<string>();
        var urls = (options.Url ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (urls.Length == 0)
        {
            errors.Add("Nats:Url must name at least one server (e.g. nats://localhost:4222).");
        }

        foreach (var url in urls)
        {
            var withScheme = url.Contains("://", StringComparison.Ordinal) ? url : "nats://" + url;
            if (!Uri.TryCreate(withScheme, UriKind.Absolute, out var uri) || !Schemes.Contains(uri.Scheme, StringComparer.OrdinalIgnoreCase) || string.IsNullOrEmpty(uri.Host))
            {
                errors.Add($"Nats:Url entry '{Redact(url)}' is not a nats://, tls://, ws:// or wss:// URL.");
            }
        }

        var methods = new[]
        {
            !string.IsNullOrEmpty(options.User) ? "Nats:User" : null,
            !string.IsNullOrEmpty(options.Token) ? "Nats:Token" : null,
            !string.IsNullOrEmpty(options.CredsFile) ? "Nats:CredsFile" : null,
            !string.IsNullOrEmpty(options.NKeySeedFile) ? "Nats:NKeySeedFile" : null,
        }.OfType<string>().ToList();
        if (methods.Count > 1)
        {
            errors.Add($"Only one of Nats:User, Nats:Token, Nats:CredsFile, Nats:NKeySeedFile may be set (got {string.Join(", ", methods)}).");
        }

        if (!string.IsNullOrEmpty(options.User) && string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Nats:Password is required when Nats:User is set.");
        }

        if (string.IsNullOrEmpty(options.User) && !string.IsNullOrEmpty(options.Password))
        {
            errors.Add("Nats:User is required when Nats:Password is set.");
        }

        RequireFile(errors, "Nats:CredsFile", options.CredsFile);
        RequireFile(errors, "Nats:NKeySeedFile", options.NKeySeedFile);
        RequireFile(errors, "Nats:Tls:CaFile", options.Tls.CaFile);
        RequireFile(errors, "Nats:Tls:CertFile", options.Tls.CertFile);
        RequireFile(errors, "Nats:Tls:KeyFile", options.Tls.KeyFile);
        if (string.IsNullOrEmpty(options.Tls.CertFile) != string.IsNullOrEmpty(options.Tls.KeyFile))
        {
            errors.Add("Nats:Tls:CertFile and Nats:Tls:KeyFile must be set together.");
        }

        if (string.IsNullOrWhiteSpace(options.ClientName))
        {
            errors.Add("Nats:ClientName must not be empty.");
        }

        if (options.MaxInFlightLimit < 1)
        {
            errors.Add($"Nats:MaxInFlightLimit must be at least 1 (got {options.MaxInFlightLimit}).");
        }

        if (options.DefaultMaxInFlight < 1 || options.DefaultMaxInFlight > options.MaxInFlightLimit)
        {
            errors.Add($"Nats:DefaultMaxInFlight must be between 1 and Nats:MaxInFlightLimit ({options.MaxInFlightLimit}) (got {options.DefaultMaxInFlight}).");
        }

        if (options.DrainTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Nats:DrainTimeout must be positive (got {options.DrainTimeout}).");
        }

        if (options.SubscribeTimeout <= TimeSpan.Zero)
        {
            errors.Add($"Nats:SubscribeTimeout must be positive (got {options.SubscribeTimeout}).");
        }

        if (options.PendingMessagesLimit < 1)
        {
            errors.Add($"Nats:PendingMessagesLimit must be at least 1 (got {options.PendingMessagesLimit}).");
        }

        if (options.PendingBytesLimit < 1024)
        {
            errors.Add($"Nats:PendingBytesLimit must be at least 1024 (got {options.PendingBytesLimit}).");
        }

        for (var i = 0; i < options.AllowedSubjects.Length; i++)
        {
            var pattern = options.AllowedSubjects[i]?.Trim().Replace(NatsSubjectPolicy.NamespacePlaceholder, "ns", StringComparison.Ordinal);
            if (Internal.NatsSubjects.ValidateSubscription(pattern) is { } patternError)
            {
                errors.Add($"Nats:AllowedSubjects:{i} '{options.AllowedSubjects[i]}' {patternError}.");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void RequireFile(List<string> errors, string key, string? path)
    {
        if (!string.IsNullOrEmpty(path) && !File.Exists(path))
        {
            errors.Add($"{key} '{path}' does not exist.");
        }
    }

    // A URL may carry user:password; never echo it back.
    private static string Redact(string url)
    {
        var at = url.LastIndexOf('@');
        return at < 0 ? url : "***@" + url[(at + 1)..];
    }
}
