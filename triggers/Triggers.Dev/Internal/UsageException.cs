namespace Triggers.Dev.Internal;

/// <summary>A usage error: printed with a pointer to <c>--help</c>, exit code 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
