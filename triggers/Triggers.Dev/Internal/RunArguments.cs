namespace Triggers.Dev.Internal;

/// <summary>What <c>run</c> and <c>demo</c> were asked to do.</summary>
internal sealed record RunArguments(string? Manifests, string? Nats, string? Kafka, string? State, string Session, bool Verbose, bool Json, bool Watch, int FunctionsPort);
