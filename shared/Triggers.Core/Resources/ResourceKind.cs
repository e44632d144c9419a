using k8s.Models;

namespace Triggers.Core.Resources;

/// <summary>The kinds of resource a worker can watch, with their API coordinates.</summary>
public sealed record ResourceKind(string Group, string Version, string Kind, string Plural, Type ClrType)
{
    public static readonly ResourceKind Function = new(KubelessGroup, KubelessVersion, Resources.Function.KindName, Resources.Function.Plural, typeof(Function));
    public static readonly ResourceKind Service = new("", "v1", V1Service.KubeKind, "services", typeof(V1Service));
    public static readonly ResourceKind NatsTrigger = new(KubelessGroup, KubelessVersion, Resources.NatsTrigger.KindName, Resources.NatsTrigger.Plural, typeof(NatsTrigger));
    public static readonly ResourceKind KafkaTrigger = new(KubelessGroup, KubelessVersion, Resources.KafkaTrigger.KindName, Resources.KafkaTrigger.Plural, typeof(KafkaTrigger));
    public static readonly ResourceKind CronJobTrigger = new(KubelessGroup, KubelessVersion, Resources.CronJobTrigger.KindName, Resources.CronJobTrigger.Plural, typeof(CronJobTrigger));

    private const string KubelessGroup = "kubeless.io";
    private const string KubelessVersion = "v1beta1";

    public static IReadOnlyList<ResourceKind> All { get; } = [Function, Service, NatsTrigger, KafkaTrigger, CronJobTrigger];

    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>Finds the kind of a manifest document by its apiVersion and kind, or null when Triggers does not handle it.</summary>
    public static ResourceKind? Find(string? apiVersion, string? kind) =>
        All.FirstOrDefault(k => string.Equals(k.ApiVersion, apiVersion, StringComparison.Ordinal) && string.Equals(k.Kind, kind, StringComparison.Ordinal));

    public override string ToString() => Kind;
}
