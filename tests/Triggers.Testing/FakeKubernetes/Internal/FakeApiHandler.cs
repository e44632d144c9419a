using System.Collections.Concurrent;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>
/// The request handlers of the fake API server: turns each HTTP request into its Kubernetes verb, records it,
/// and answers from the <see cref="FakeStore"/> (list, get, create, update, patch, delete, and watch streams).
/// </summary>
internal sealed class FakeApiHandler(
    FakeStore store,
    ConcurrentDictionary<(string Group, string Plural), FakeResourceType> types,
    ConcurrentQueue<FakeRequest> requests,
    Func<bool> expiredWatchAsHttpStatus)
{
    public async Task HandleAsync(HttpContext context)
    {
        var request = context.Request;
        var route = ApiRoute.Parse(request.Path.Value ?? "");
        var query = request.Query;
        var watch = query["watch"] is var w && (w == "true" || w == "1");
        var verb = (request.Method, route?.Name is not null, watch) switch
        {
            ("GET", false, true) => "watch",
            ("GET", false, false) => "list",
            ("GET", true, _) => "get",
            ("POST", _, _) => "create",
            ("PUT", _, _) => "update",
            ("PATCH", _, _) => "patch",
            ("DELETE", true, _) => "delete",
            ("DELETE", false, _) => "deletecollection",
            _ => request.Method.ToLowerInvariant(),
        };
        requests.Enqueue(new FakeRequest(verb, request.Method, request.Path.Value ?? "", request.QueryString.Value ?? "", route?.Plural, route?.Namespace, route?.Name, route?.Subresource)
        {
            ResourceVersion = query["resourceVersion"],
        });

        if (route is null)
        {
            await WriteAsync(context, new(404, FakeStore.Status(404, "NotFound", "the server could not find the requested resource")));
            return;
        }

        if (route.Plural is null)
        {
            // GET /api/v1/namespaces/{ns}: every namespace exists here.
            await WriteAsync(context, new(200, new JsonObject
            {
                ["kind"] = "Namespace",
                ["apiVersion"] = "v1",
                ["metadata"] = new JsonObject { ["name"] = route.Namespace },
                ["status"] = new JsonObject { ["phase"] = "Active" },
            }));
            return;
        }

        var type = types.GetOrAdd((route.Group, route.Plural), key => new FakeResourceType(key.Group, route.Version, key.Plural, GuessKind(key.Plural)));
        var isStatus = route.Subresource == "status";
        if ((route.Subresource is not null && !isStatus) || (isStatus && !type.HasStatusSubresource))
        {
            await WriteAsync(context, new(404, FakeStore.Status(404, "NotFound", "the server could not find the requested resource")));
            return;
        }

        Selectors selectors;
        try
        {
            selectors = Selectors.Parse(query["labelSelector"], query["fieldSelector"]);
        }
        catch (FormatException e)
        {
            await WriteAsync(context, new(400, FakeStore.Status(400, "BadRequest", e.Message)));
            return;
        }

        long? resourceVersion = long.TryParse(query["resourceVersion"], NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv : null;
        var ns = route.Namespace ?? "";
        var cancellationToken = context.RequestAborted;
        switch (verb)
        {
            case "watch":
                await WatchAsync(context, type, route.Namespace, selectors, resourceVersion);
                return;
            case "list":
                await WriteAsync(context, store.List(type, route.Namespace, selectors, resourceVersion, query["resourceVersionMatch"]));
                return;
            case "get":
                await WriteAsync(context, store.Get(type, ns, route.Name!));
                return;
            case "delete":
                await WriteAsync(context, store.Delete(type, ns, route.Name!));
                return;
            case "create" when route.Namespace is not null && route.Name is null:
            case "update" when route.Name is not null:
            case "patch" when route.Name is not null:
                break;
            default:
                await WriteAsync(context, new(405, FakeStore.Status(405, "MethodNotAllowed", $"the server does not allow this method on the requested resource")));
                return;
        }

        JsonNode? body;
        try
        {
            body = await JsonNode.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException e)
        {
            await WriteAsync(context, new(400, FakeStore.Status(400, "BadRequest", "the request body is not valid JSON: " + e.Message)));
            return;
        }

        var contentType = request.ContentType?.Split(';')[0].Trim() ?? "";
        var result = verb switch
        {
            "create" when body is JsonObject obj => store.Create(type, ns, obj),
            "update" when body is JsonObject obj => store.Update(type, ns, route.Name!, obj, isStatus),
            "patch" => store.Patch(type, ns, route.Name!, contentType, body, isStatus),
            _ => new StoreResult(400, FakeStore.Status(400, "BadRequest", "the request body must be a JSON object")),
        };
        await WriteAsync(context, result);
    }

    private async Task WatchAsync(HttpContext context, FakeResourceType type, string? @namespace, Selectors selectors, long? resourceVersion)
    {
        var query = context.Request.Query;
        var bookmarks = query["allowWatchBookmarks"] == "true";
        var (stream, expired) = store.OpenWatch(type, @namespace, selectors, resourceVersion, bookmarks);
        if (stream is null)
        {
            if (expiredWatchAsHttpStatus())
            {
                await WriteAsync(context, new(410, expired!));
            }
            else
            {
                context.Response.StatusCode = 200;
                context.Response.ContentType = "application/json";
                await context.Response.WriteAsync(new JsonObject { ["type"] = "ERROR", ["object"] = expired }.ToJsonString() + "\n", context.RequestAborted);
            }

            return;
        }

        stream.AttachAbort(context.Abort);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted);
        if (int.TryParse(query["timeoutSeconds"], NumberStyles.None, CultureInfo.InvariantCulture, out var seconds) && seconds > 0)
        {
            timeout.CancelAfter(TimeSpan.FromSeconds(seconds));
        }

        try
        {
            context.Response.StatusCode = 200;
            context.Response.ContentType = "application/json";
            await context.Response.StartAsync(timeout.Token);
            var reader = stream.Lines.Reader;
            while (await reader.WaitToReadAsync(timeout.Token))
            {
                var batch = new StringBuilder();
                while (reader.TryRead(out var line))
                {
                    batch.Append(line).Append('\n');
                }

                await context.Response.WriteAsync(batch.ToString(), timeout.Token);
                await context.Response.Body.FlushAsync(timeout.Token);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or InvalidOperationException)
        {
            // Timeout, client gone, or dropped on purpose: the stream just ends.
        }
        finally
        {
            stream.DetachAbort();
            store.CloseWatch(stream);
        }
    }

    private static async Task WriteAsync(HttpContext context, StoreResult result)
    {
        context.Response.StatusCode = result.Code;
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(result.Body.ToJsonString(), context.RequestAborted);
    }

    private static string GuessKind(string plural)
    {
        var singular = plural.EndsWith('s') ? plural[..^1] : plural;
        return singular.Length == 0 ? plural : char.ToUpperInvariant(singular[0]) + singular[1..];
    }
}
