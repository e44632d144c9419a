
namespace Triggers.Core.Resources;

/// <summary>A Kubeless <c>KafkaTrigger</c>: forwards records of a topic to the selected functions.</summary>
public sealed class KafkaTrigger : TriggerResource<KafkaTriggerSpec>
{
    public const string KindName = "KafkaTrigger";
    public const string Plural = "kafkatriggers";
    public const string EventNamespace = "kafkatriggers.kubeless.io";

    public KafkaTrigger() => Kind = KindName;
}
