using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Triggers.Core.Dispatch;

/// <summary>
/// The header contract of every POST (docs/architecture.md): Kubeless <c>event-*</c> headers, the
/// Content-Type rules, and CloudEvents 1.0 binary mode.
/// </summary>
public static class EventHeaders
{
    public const string EventId = "event-id";
    public const string EventTime = "event-time";
    public const string EventType = "event-type";
    public const string EventNamespace = "event-namespace";
    public const string EventTopic = "event-topic";
    public const string CeSpecVersion = "ce-specversion";
    public const string CeId = "ce-id";
    public const string CeSource = "ce-source";
    public const string CeType = "ce-type";
    public const string CeTime = "ce-time";
    public const string CeSubject = "ce-subject";
    public const string TraceParent = "traceparent";
    public const string TraceState = "tracestate";

    public const string Json = "application/json";
    public const string PlainText = "text/plain; charset=utf-8";
    public const string OctetStream = "application/octet-stream";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>
    /// The message's own content type when it has one, else <c>application/json</c> for a JSON
    /// object or array, else <c>text/plain; charset=utf-8</c> for valid UTF-8, else octet-stream.
    /// </summary>
    public static string ContentTypeOf(string? declared, ReadOnlySpan<byte> body)
    {
        if (!string.IsNullOrWhiteSpace(declared))
        {
            return declared;
        }

        if (IsJsonObjectOrArray(body))
        {
            return Json;
        }

        try
        {
            _ = StrictUtf8.GetCharCount(body);
            return PlainText;
        }
        catch (DecoderFallbackException)
        {
            return OctetStream;
        }
    }

    /// <summary>True when the body is one complete, valid JSON object or array (surrounding white space allowed).</summary>
    public static bool IsJsonObjectOrArray(ReadOnlySpan<byte> body)
    {
        var start = 0;
        if (body.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            start = 3;
        }

        while (start < body.Length && body[start] is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
        {
            start++;
        }

        if (start >= body.Length || body[start] is not ((byte)'{' or (byte)'['))
        {
            return false;
        }

        try
        {
            var reader = new Utf8JsonReader(body[start..], new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow, MaxDepth = 256 });
            while (reader.Read())
            {
                // Reading to the end validates the whole document, including trailing content.
            }

            return true;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    /// <summary>
    /// A new event id for a message that brings none: a version-4 UUID in 32 hex digits. Drawn from
    /// the shared pseudo-random generator (122 random bits, seeded per thread from the system's
    /// secure source), not from the system's secure source per event as <see cref="Guid.NewGuid"/>
    /// is: an id names an event, it protects nothing, and the secure draw was a system call per event.
    /// </summary>
    public static string NewEventId()
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes);
        bytes[7] = (byte)((bytes[7] & 0x0F) | 0x40); // version 4 (the high nibble of the third group)
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80); // RFC 4122 variant
        return new Guid(bytes).ToString("N");
    }

    /// <summary>RFC 3339 UTC with milliseconds (<c>yyyy-MM-ddTHH:mm:ss.fffZ</c>), the form every runtime's parser accepts.</summary>
    /// <remarks>Written digit by digit: the custom-format path of <see cref="DateTime.ToString(string, IFormatProvider)"/> is parsed again on every call, for every event.</remarks>
    public static string FormatTime(DateTimeOffset time) => string.Create(24, time.UtcDateTime, static (s, t) =>
    {
        Digits(s[..4], t.Year);
        s[4] = '-';
        Digits(s.Slice(5, 2), t.Month);
        s[7] = '-';
        Digits(s.Slice(8, 2), t.Day);
        s[10] = 'T';
        Digits(s.Slice(11, 2), t.Hour);
        s[13] = ':';
        Digits(s.Slice(14, 2), t.Minute);
        s[16] = ':';
        Digits(s.Slice(17, 2), t.Second);
        s[19] = '.';
        Digits(s.Slice(20, 3), t.Millisecond);
        s[23] = 'Z';
    });

    private static void Digits(Span<char> into, int value)
    {
        for (var i = into.Length - 1; i >= 0; i--)
        {
            into[i] = (char)('0' + (value % 10));
            value /= 10;
        }
    }

    /// <summary>Header names the dispatcher sets itself or that belong to the connection; never forwarded from a message.</summary>
    public static bool IsReserved(string name) =>
        name.StartsWith("event-", StringComparison.OrdinalIgnoreCase) ||
        name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase) ||
        name.Equals(TraceParent, StringComparison.OrdinalIgnoreCase) ||
        name.Equals(TraceState, StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Host", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Connection", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Keep-Alive", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Transfer-Encoding", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Upgrade", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("TE", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Trailer", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Proxy-Connection", StringComparison.OrdinalIgnoreCase) ||
        name.Equals("Expect", StringComparison.OrdinalIgnoreCase);

    /// <summary>True when a forwarded header can be sent as HTTP: a token name and a value without control characters.</summary>
    public static bool IsSendable(string name, string value)
    {
        if (name.Length == 0)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (c <= ' ' || c >= 0x7F || "()<>@,;:\\\"/[]?={}".Contains(c, StringComparison.Ordinal))
            {
                return false;
            }
        }

        foreach (var c in value)
        {
            if ((c < ' ' && c != '\t') || c == 0x7F)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Adds every contract header of <paramref name="e"/> to a request and returns the content type used.</summary>
    public static string Apply(TriggerEvent e, HttpRequestHeaders headers, HttpContentHeaders contentHeaders)
    {
        var contentType = ContentTypeOf(e.ContentType, e.Body.Span);
        if (!IsSendable("Content-Type", contentType))
        {
            contentType = ContentTypeOf(null, e.Body.Span);
        }

        var time = FormatTime(e.Time);
        headers.TryAddWithoutValidation(EventId, e.Id);
        headers.TryAddWithoutValidation(EventTime, time);
        headers.TryAddWithoutValidation(EventType, contentType);
        headers.TryAddWithoutValidation(EventNamespace, e.EventNamespace);
        headers.TryAddWithoutValidation(EventTopic, e.Topic);
        headers.TryAddWithoutValidation(CeSpecVersion, "1.0");
        headers.TryAddWithoutValidation(CeId, e.Id);
        headers.TryAddWithoutValidation(CeSource, e.Source);
        headers.TryAddWithoutValidation(CeType, e.Type);
        headers.TryAddWithoutValidation(CeTime, time);
        headers.TryAddWithoutValidation(CeSubject, e.Topic);
        if (e.Headers is { } forwarded)
        {
            // Indexed: a foreach over the interface boxes an enumerator per event.
            for (var i = 0; i < forwarded.Count; i++)
            {
                var (name, value) = forwarded[i];
                if (!IsReserved(name) && IsSendable(name, value))
                {
                    headers.TryAddWithoutValidation(name, value);
                }
            }
        }

        if (!contentHeaders.TryAddWithoutValidation("Content-Type", contentType))
        {
            contentHeaders.TryAddWithoutValidation("Content-Type", OctetStream);
        }

        return contentType;
    }
}
