using System.Buffers;

namespace Triggers.Core.Dispatch;

/// <summary>Reads a function's answer into memory, at most a given number of bytes.</summary>
internal static class ResponseBodyReader
{
    /// <summary>
    /// Reads up to <paramref name="limit"/> bytes. A longer body is cut there and reported truncated;
    /// the rest is not read (disposing the response then closes the connection instead of draining a
    /// body of any size).
    /// </summary>
    public static async ValueTask<(ReadOnlyMemory<byte> Body, bool Truncated)> ReadAsync(HttpContent content, int limit, CancellationToken cancellationToken)
    {
        var length = DeclaredLength(content);
        if (length == 0)
        {
            return (ReadOnlyMemory<byte>.Empty, false);
        }

        var stream = await content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (stream.ConfigureAwait(false))
        {
            if (length is > 0 && length <= limit)
            {
                var exact = new byte[length.Value];
                await stream.ReadExactlyAsync(exact, cancellationToken).ConfigureAwait(false);
                return (exact, false);
            }

            var buffer = new ArrayBufferWriter<byte>(4096);
            var scratch = ArrayPool<byte>.Shared.Rent(16 * 1024);
            try
            {
                int read;
                while ((read = await stream.ReadAsync(scratch, cancellationToken).ConfigureAwait(false)) > 0)
                {
                    var keep = Math.Min(read, limit - buffer.WrittenCount);
                    buffer.Write(scratch.AsSpan(0, keep));
                    if (keep < read)
                    {
                        return (buffer.WrittenMemory, true);
                    }
                }
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(scratch);
            }

            return (buffer.WrittenMemory, false);
        }
    }

    /// <summary>
    /// The answer's Content-Length when it declares one valid value, read without validation: the
    /// typed <c>ContentLength</c> parses the raw value into a new header entry under a lock on every
    /// answer. Anything else (none, several, not a number) is null and the body is read to its end.
    /// </summary>
    private static long? DeclaredLength(HttpContent content) =>
        content.Headers.NonValidated.TryGetValues("Content-Length", out var values) && values.Count == 1 &&
        long.TryParse(values.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var length)
            ? length
            : null;
}
