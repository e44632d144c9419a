using Microsoft.Extensions.Options;

namespace Triggers.Nats;

/// <summary>Builds each namespace's <see cref="NatsSubjectScope"/> from <c>Nats:AllowedSubjects</c>.</summary>
public sealed class NatsSubjectPolicy(IOptions<NatsOptions> options)
{
    /// <summary>Placeholder in a pattern that stands for the trigger's namespace.</summary>
    public const string NamespacePlaceholder = "{namespace}";

    public const string ReasonSubjectNotAllowed = "SubjectNotAllowed";

    public const string ReasonDurableNotAllowed = "DurableNotAllowed";

    public NatsSubjectScope ScopeFor(string @namespace) =>
        new(@namespace, [.. (options.Value.AllowedSubjects ?? []).Select(p => p.Trim().Replace(NamespacePlaceholder, @namespace, StringComparison.Ordinal))]);

    /// <summary>
    /// Null when an explicit <c>spec.jetStream.durable</c> is the namespace's own (<c>NAMESPACE_</c>
    /// or <c>NAMESPACE-</c> prefix), else why not: another tenant's durable would hand it their messages.
    /// </summary>
    public static string? CheckDurable(string @namespace, string durable) =>
        durable.StartsWith(@namespace + "_", StringComparison.Ordinal) || durable.StartsWith(@namespace + "-", StringComparison.Ordinal)
            ? null
            : $"spec.jetStream.durable \"{durable}\" must begin with \"{@namespace}_\" or \"{@namespace}-\" (the trigger's namespace)";
}
