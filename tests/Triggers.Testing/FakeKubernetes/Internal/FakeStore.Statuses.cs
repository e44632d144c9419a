using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

// The JSON shapes the store answers with: object identity, watch event lines and Kubernetes Status failures.
internal sealed partial class FakeStore
{
    public static string NamespaceOf(JsonObject obj) => (string?)obj["metadata"]?["namespace"] ?? "";

    public static string NameOf(JsonObject obj) => (string?)obj["metadata"]?["name"] ?? "";

    public static string EventLine(string type, JsonObject obj) =>
        new JsonObject { ["type"] = type, ["object"] = obj.DeepClone() }.ToJsonString();

    public static JsonObject Status(int code, string reason, string message, FakeResourceType? type = null, string? name = null)
    {
        var status = new JsonObject
        {
            ["kind"] = "Status",
            ["apiVersion"] = "v1",
            ["metadata"] = new JsonObject(),
            ["status"] = "Failure",
            ["message"] = message,
            ["reason"] = reason,
        };
        if (type is not null)
        {
            var details = new JsonObject();
            if (name is not null)
            {
                details["name"] = name;
            }

            if (type.Group.Length > 0)
            {
                details["group"] = type.Group;
            }

            details["kind"] = type.Plural;
            status["details"] = details;
        }

        status["code"] = code;
        return status;
    }

    public static StoreResult NotFound(FakeResourceType type, string name) =>
        new(404, Status(404, "NotFound", $"{type.QualifiedResource} \"{name}\" not found", type, name));

    private StoreResult Expired(long resourceVersion) =>
        new(410, Status(410, "Expired", $"too old resource version: {resourceVersion} ({_oldestResumable})"));
}
