using System.Collections.Concurrent;
using System.Diagnostics;
using Triggers.Core.Dispatch;

namespace Triggers.Dev.Internal;

/// <summary>Listens to every dispatch span of the in-process workers and reports each delivery as it happens.</summary>
internal sealed class DeliveryFeed : IDisposable
{
    private readonly ActivityListener _listener;
    private readonly ConcurrentQueue<Delivery> _deliveries = new();

    public DeliveryFeed()
    {
        _listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == HttpEventDispatcher.ActivitySourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStopped = OnStopped,
        };
        ActivitySource.AddActivityListener(_listener);
    }

    public event Action<Delivery>? Delivered;

    public IReadOnlyCollection<Delivery> All => _deliveries;

    public int Count => _deliveries.Count;

    public void Dispose() => _listener.Dispose();

    /// <summary>"natstriggers" and "todo-audit" from <c>/apis/kubeless.io/v1beta1/namespaces/NS/natstriggers/todo-audit</c>.</summary>
    internal static (string Kind, string Trigger) ParseSource(string? source)
    {
        if (source is null)
        {
            return ("?", "?");
        }

        var parts = source.Split('/', StringSplitOptions.RemoveEmptyEntries);
        var ns = Array.IndexOf(parts, "namespaces");
        return ns >= 0 && parts.Length >= ns + 4
            ? (parts[ns + 2].Replace("triggers", "", StringComparison.Ordinal), $"{parts[ns + 1]}/{parts[ns + 3]}")
            : ("?", source);
    }

    private void OnStopped(Activity activity)
    {
        var (kind, trigger) = ParseSource(activity.GetTagItem("triggers.source") as string);
        var delivery = new Delivery(
            activity.StartTimeUtc + activity.Duration,
            kind,
            trigger,
            activity.GetTagItem("triggers.function") as string ?? "?",
            activity.GetTagItem("triggers.outcome") as string ?? (activity.Status == ActivityStatusCode.Error ? "Failed" : "?"),
            activity.GetTagItem("http.response.status_code") as int?,
            activity.GetTagItem("triggers.attempts") as int? ?? 1,
            activity.Duration,
            activity.Status == ActivityStatusCode.Error ? activity.StatusDescription : null);
        _deliveries.Enqueue(delivery);
        Delivered?.Invoke(delivery);
    }
}
