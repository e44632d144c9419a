namespace Triggers.Nats;

/// <summary>
/// The subjects one namespace's triggers may subscribe to, dead-letter to and reply to, from
/// <c>Nats:AllowedSubjects</c> with <c>{namespace}</c> filled in. A pattern covers a subject (or a
/// subscription with wildcards) when every subject that one can match lies inside the pattern.
/// Reserved subjects (a first token starting with <c>$</c>, <c>_INBOX</c>, or a wildcard that could
/// match those) are allowed only when a pattern that is itself reserved covers them.
/// </summary>
public sealed record NatsSubjectScope(string Namespace, IReadOnlyList<string> Patterns)
{
    /// <summary>Prefix of the reply subjects NATS clients make for request-reply.</summary>
    public const string InboxPrefix = "_INBOX.";

    /// <summary>Null when the trigger may subscribe or publish to <paramref name="subject"/>, else why not.</summary>
    public string? Check(string subject)
    {
        if (Patterns.Count == 0)
        {
            return IsReserved(subject)
                ? "is reserved (a subject starting with $ or _INBOX, or a leading wildcard that reaches them); an operator must list it in Nats:AllowedSubjects"
                : null;
        }

        var reserved = IsReserved(subject);
        return Patterns.Any(p => Covers(p, subject) && (!reserved || IsReserved(p)))
            ? null
            : $"is not inside Nats:AllowedSubjects for namespace {Namespace} ({string.Join(", ", Patterns)})";
    }

    /// <summary>Replies go to request inboxes, or to subjects the trigger may use anyway.</summary>
    public bool MayReply(string replyTo) =>
        (replyTo.StartsWith(InboxPrefix, StringComparison.Ordinal) && !replyTo.Contains('*', StringComparison.Ordinal) && !replyTo.Contains('>', StringComparison.Ordinal))
        || Check(replyTo) is null;

    /// <summary>Whether a subscription to <paramref name="pattern"/> receives every subject <paramref name="subject"/> can match.</summary>
    public static bool Covers(string pattern, string subject)
    {
        var p = pattern.Split('.');
        var s = subject.Split('.');
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == ">")
            {
                // One or more tokens of anything, wildcards included.
                return s.Length > i;
            }

            if (i >= s.Length || s[i] == ">")
            {
                // The subject is shorter, or can run to any length where the pattern cannot.
                return false;
            }

            if (p[i] != "*" && (s[i] == "*" || !string.Equals(p[i], s[i], StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return p.Length == s.Length;
    }

    /// <summary>System and JetStream API subjects, request inboxes, and leading wildcards that reach them.</summary>
    public static bool IsReserved(string subject)
    {
        var dot = subject.IndexOf('.', StringComparison.Ordinal);
        var first = dot < 0 ? subject : subject[..dot];
        return first.StartsWith('$') || first is "_INBOX" or "*" or ">";
    }
}
