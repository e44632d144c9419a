namespace Triggers.Nats.Internal;

/// <summary>NATS subject and JetStream name rules.</summary>
internal static class NatsSubjects
{
    /// <summary>Checks a subscription subject: dot-separated non-empty tokens, <c>*</c> as a whole token, <c>&gt;</c> only as the last token.</summary>
    public static string? ValidateSubscription(string? subject) => Validate(subject, allowWildcards: true);

    /// <summary>Checks a subject to publish to: like a subscription subject, but without wildcards.</summary>
    public static string? ValidatePublish(string? subject) => Validate(subject, allowWildcards: false);

    /// <summary>Whether a literal subject would be received by a subscription to <paramref name="pattern"/>.</summary>
    public static bool Matches(string pattern, string subject)
    {
        var p = pattern.Split('.');
        var s = subject.Split('.');
        for (var i = 0; i < p.Length; i++)
        {
            if (p[i] == ">")
            {
                return s.Length > i;
            }

            if (i >= s.Length || (p[i] != "*" && !string.Equals(p[i], s[i], StringComparison.Ordinal)))
            {
                return false;
            }
        }

        return p.Length == s.Length;
    }

    /// <summary>Stream and consumer names: no whitespace, dots, wildcards or path separators.</summary>
    public static string? ValidateName(string? name)
    {
        if (string.IsNullOrEmpty(name))
        {
            return "must not be empty";
        }

        if (name.Length > 255)
        {
            return "must be at most 255 characters";
        }

        foreach (var c in name)
        {
            if (char.IsWhiteSpace(c) || char.IsControl(c) || c is '.' or '*' or '>' or '/' or '\\')
            {
                return $"must not contain '{(char.IsWhiteSpace(c) || char.IsControl(c) ? "whitespace" : c.ToString())}'";
            }
        }

        return null;
    }

    /// <summary>Turns any text into a valid consumer name by replacing forbidden characters with <c>_</c>.</summary>
    public static string ToName(string text)
    {
        var chars = text.ToCharArray();
        for (var i = 0; i < chars.Length; i++)
        {
            if (char.IsWhiteSpace(chars[i]) || char.IsControl(chars[i]) || chars[i] is '.' or '*' or '>' or '/' or '\\')
            {
                chars[i] = '_';
            }
        }

        var name = new string(chars);
        return name.Length <= 255 ? name : name[..255];
    }

    private static string? Validate(string? subject, bool allowWildcards)
    {
        if (string.IsNullOrEmpty(subject))
        {
            return "must not be empty";
        }

        var tokens = subject.Split('.');
        for (var i = 0; i < tokens.Length; i++)
        {
            var token = tokens[i];
            if (token.Length == 0)
            {
                return "must not have empty tokens (leading, trailing or double dots)";
            }

            foreach (var c in token)
            {
                if (char.IsWhiteSpace(c) || char.IsControl(c))
                {
                    return "must not contain whitespace";
                }
            }

            if (token.Contains('*', StringComparison.Ordinal) || token.Contains('>', StringComparison.Ordinal))
            {
                if (!allowWildcards)
                {
                    return "must not contain wildcards (* or >)";
                }

                if (token is not ("*" or ">"))
                {
                    return $"wildcard in token \"{token}\" must be a whole token";
                }

                if (token == ">" && i != tokens.Length - 1)
                {
                    return "> is only allowed as the last token";
                }
            }
        }

        return null;
    }
}
