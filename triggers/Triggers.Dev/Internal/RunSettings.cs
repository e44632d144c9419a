namespace Triggers.Dev.Internal;

/// <summary>Settings of <c>run</c> and <c>demo</c>.</summary>
internal sealed record RunSettings(string ManifestsPath, string? NatsUrl, string? KafkaBootstrap, string? StatePath, string SessionPath, bool Verbose);
