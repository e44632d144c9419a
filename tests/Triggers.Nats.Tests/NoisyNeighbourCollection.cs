namespace Triggers.Nats.Tests;

/// <summary>Runs <see cref="NoisyNeighbourTests"/> alone: its latency bound measures the worker, not the other tests of this process.</summary>
[CollectionDefinition(nameof(NoisyNeighbourTests), DisableParallelization = true)]
public sealed class NoisyNeighbourCollection;
