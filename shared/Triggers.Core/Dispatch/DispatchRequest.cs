namespace Triggers.Core.Dispatch;

/// <summary>A dispatch POST: carries its delivery policy and counts the attempts that reached the wire.</summary>
internal sealed class DispatchRequest(Uri url, DeliveryPolicy policy) : HttpRequestMessage(HttpMethod.Post, url)
{
    public DeliveryPolicy Policy { get; } = policy;

    /// <summary>Attempts that reached the wire; a call the open breaker refused is not one.</summary>
    public int Attempts { get; set; }

    /// <summary>The status of the function's last answer in this dispatch: kept when a later try timed out or the open breaker refused it.</summary>
    public int? LastStatus { get; set; }

    /// <summary>The last answer's body, read (bounded) inside the attempt's timeout.</summary>
    public ReadOnlyMemory<byte>? ResponseBody { get; set; }

    /// <summary>The last answer's body was longer than <c>Triggers:Delivery:MaxResponseBodyBytes</c>.</summary>
    public bool ResponseTruncated { get; set; }
}
