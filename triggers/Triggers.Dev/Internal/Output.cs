using System.Globalization;
using System.Text.Json;
using Spectre.Console;

namespace Triggers.Dev.Internal;

/// <summary>Writes progress for a person (Spectre.Console: tables, colours on a terminal) or for a program (<c>--json</c>: one JSON object per line).</summary>
internal sealed class Output(TextWriter writer, bool json)
{
    private static readonly JsonSerializerOptions Compact = new() { PropertyNamingPolicy = JsonNamingPolicy.CamelCase };
    private readonly Lock _gate = new();
    private readonly IAnsiConsole _console = CreateConsole(writer);

    public bool Json => json;

    public void Info(string text, object? data = null) => Write("info", text, data);

    public void Error(string text, object? data = null) => Write("error", text, data);

    public void Event(string type, string text, object data) => Write(type, text, data);

    public void Delivery(Delivery d)
    {
        var status = d.Status?.ToString(CultureInfo.InvariantCulture) ?? d.Error ?? d.Outcome;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"  {d.Kind,-7} {d.Trigger,-38} -> {d.Function,-38} {status,-5} {d.Latency.TotalMilliseconds,8:0.0} ms{(d.Attempts > 1 ? $" ({d.Attempts} attempts)" : "")}");
        if (json)
        {
            Write("delivery", text, d);
            return;
        }

        lock (_gate)
        {
            _console.MarkupLine($"[{(d.Outcome == "Delivered" ? "green" : "red")}]{Markup.Escape(text)}[/]");
            writer.Flush();
        }
    }

    /// <summary>A table for a person; with <c>--json</c>, one object per row instead.</summary>
    public void Table(string type, string[] columns, IEnumerable<(string[] Cells, bool Good, object Data)> rows)
    {
        if (json)
        {
            foreach (var row in rows)
            {
                Write(type, string.Join(' ', row.Cells), row.Data);
            }

            return;
        }

        var table = new Table().Border(TableBorder.Simple);
        foreach (var column in columns)
        {
            table.AddColumn(column);
        }

        foreach (var row in rows)
        {
            table.AddRow(row.Cells.Select((c, i) => i == 2 ? new Markup($"[{(row.Good ? "green" : "red")}]{Markup.Escape(c)}[/]") : new Markup(Markup.Escape(c))).ToArray());
        }

        lock (_gate)
        {
            _console.Write(table);
            writer.Flush();
        }
    }

    /// <summary>Colours only on a terminal; piped output is plain and wide enough not to wrap a row.</summary>
    private static IAnsiConsole CreateConsole(TextWriter writer)
    {
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(writer) });
        if (Console.IsOutputRedirected || writer != Console.Out)
        {
            console.Profile.Width = 240;
        }

        return console;
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
