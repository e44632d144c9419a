using Microsoft.Extensions.Options;

namespace Triggers.Nats;

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
