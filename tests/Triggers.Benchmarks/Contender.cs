namespace Triggers.Benchmarks;

/// <summary>One side of an interleaved comparison: a bridge process and the subject that feeds it.</summary>
internal sealed record Contender(string Mode, WorkerProcess Process, string Subject);
