namespace Triggers.Testing.FakeKubernetes;

/// <summary>A resource the fake API server serves: its API coordinates, kind, and whether it has a status subresource.</summary>
public sealed record FakeResourceType(string Group, string Version, string Plural, string Kind, bool HasStatusSubresource = true)
{
    public static readonly FakeResourceType Services = new("", "v1", "services", "Service");
    public static readonly FakeResourceType ConfigMaps = new("", "v1", "configmaps", "ConfigMap", HasStatusSubresource: false);
    public static readonly FakeResourceType Leases = new("coordination.k8s.io", "v1", "leases", "Lease", HasStatusSubresource: false);
    public static readonly FakeResourceType Functions = new("kubeless.io", "v1beta1", "functions", "Function");
    public static readonly FakeResourceType NatsTriggers = new("kubeless.io", "v1beta1", "natstriggers", "NATSTrigger");
    public static readonly FakeResourceType KafkaTriggers = new("kubeless.io", "v1beta1", "kafkatriggers", "KafkaTrigger");
    public static readonly FakeResourceType CronJobTriggers = new("kubeless.io", "v1beta1", "cronjobtriggers", "CronJobTrigger");

    public static IReadOnlyList<FakeResourceType> Defaults { get; } = [Services, ConfigMaps, Leases, Functions, NatsTriggers, KafkaTriggers, CronJobTriggers];

    public string ApiVersion => Group.Length == 0 ? Version : Group + "/" + Version;

    /// <summary>Custom resources (any group but core) reject strategic merge patches, as the real server does.</summary>
    public bool IsCustom => Group.Length != 0 && Group != "coordination.k8s.io" && Group != "apps";

    /// <summary>The name the real server uses in messages: <c>natstriggers.kubeless.io</c>, <c>services</c>.</summary>
    public string QualifiedResource => Group.Length == 0 ? Plural : Plural + "." + Group;
}
