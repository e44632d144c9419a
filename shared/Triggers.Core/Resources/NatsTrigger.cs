
namespace Triggers.Core.Resources;

/// <summary>A Kubeless <c>NATSTrigger</c>: forwards messages of a NATS subject to the selected functions.</summary>
public sealed class NatsTrigger : TriggerResource<NatsTriggerSpec>
{
    public const string KindName = "NATSTrigger";
    public const string Plural = "natstriggers";
    public const string EventNamespace = "natstriggers.kubeless.io";

    public NatsTrigger() => Kind = KindName;
}
