
namespace Triggers.Core.Resources;

/// <summary>A Kubeless <c>Function</c>: the target of triggers; its labels are what selectors match.</summary>
public sealed class Function : KubelessResource<FunctionSpec>
{
    public const string KindName = "Function";
    public const string Plural = "functions";

    /// <summary>Annotation whose absolute URL overrides the Service address of a function.</summary>
    public const string EndpointAnnotation = "triggers/endpoint";

    public Function() => Kind = KindName;
}
