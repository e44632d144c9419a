using System.Globalization;
using System.Text.Json;

namespace Triggers.Dev.Internal;

/// <summary>Writes progress for a person (aligned text) or for a program (<c>--json</c>: one JSON object per line).</summary>
internal sealed class Output(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions Compact = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly Lock _gate = new();

    public bool Json => json;

    public void Info(string text, object? data = null) => Write("info", text, data);

    public void Error(string text, object? data = null) => Write("error", text, data);

    public void Event(string type, string text, object data) => Write(type, text, data);

    public void Delivery(Delivery d)
    {
        var status = d.Status?.ToString(CultureInfo.InvariantCulture) ?? d.Error ?? d.Outcome;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"  {d.Kind,-7} {d.Trigger,-38} -> {d.Function,-38} {status,-5} {d.Latency.TotalMilliseconds,8:0.0} ms{(d.Attempts > 1 ? $" ({d.Attempts} attempts)" : "")}");
        Write("delivery", text, d);
    }

    private void Write(string type, string text, object? data)
    {
        lock (_gate)
        {
            if (json)
            {
                writer.WriteLine(JsonSerializer.Serialize(new { type, message = text.Trim(), data }, Compact));
            }
            else
            {
                writer.WriteLine(text);
            }

            writer.Flush();
        }
    }
}
