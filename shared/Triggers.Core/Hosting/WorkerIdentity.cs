using Triggers.Core.Resources;

namespace Triggers.Core.Hosting;

/// <summary>Which worker this process is, for <c>/status</c> and logs.</summary>
public sealed record WorkerIdentity(string Name, ResourceKind TriggerKind);
