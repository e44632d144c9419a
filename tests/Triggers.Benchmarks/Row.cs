namespace Triggers.Benchmarks;

/// <summary>One row of a scenario's table.</summary>
internal sealed record Row(string Scenario, string Mode, int Messages, double MessagesPerSecond, double P50Ms, double P99Ms, double? PeakRssMb = null, double? CpuSeconds = null, string? Note = null);
