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
        var length = content.Headers.ContentLength;
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
}
