using System.Threading.Channels;

namespace Triggers.Testing.FakeKubernetes.Internal;

/// <summary>An open watch stream: its filter and the lines still to be written to the client.</summary>
internal sealed class WatchStream(FakeResourceType type, string? @namespace, Selectors selectors, bool allowBookmarks)
{
    // Bounded like the real server's per-watcher buffer: a watcher that falls this far behind is closed.
    public Channel<string> Lines { get; } = Channel.CreateBounded<string>(new BoundedChannelOptions(100_000) { SingleReader = true });

    public FakeResourceType Type { get; } = type;

    public string? Namespace { get; } = @namespace;

    public Selectors Selectors { get; } = selectors;

    public bool AllowBookmarks { get; } = allowBookmarks;

    private readonly Lock _abortGate = new();
    private Action? _abort;

    /// <summary>Called by the HTTP handler while its request runs: <paramref name="abort"/> tears the connection down (a dropped watch).</summary>
    public void AttachAbort(Action abort)
    {
        lock (_abortGate)
        {
            _abort = abort;
        }
    }

    /// <summary>Called by the HTTP handler before its request ends: a finished request's context is pooled and must never be aborted.</summary>
    public void DetachAbort()
    {
        lock (_abortGate)
        {
            _abort = null;
        }
    }

    /// <summary>Tears the connection down, unless its request has ended already.</summary>
    public void Abort()
    {
        lock (_abortGate)
        {
            _abort?.Invoke();
        }
    }

    public string? Translate(StoreChange change)
    {
        if (change.Type.Group != Type.Group || change.Type.Plural != Type.Plural)
        {
            return null;
        }

        if (Namespace is not null && FakeStore.NamespaceOf(change.Object) != Namespace)
        {
            return null;
        }

        var matches = Selectors.Matches(change.Object);
        var matched = change.Previous is not null && Selectors.Matches(change.Previous);
        var type = change.EventType switch
        {
            "ADDED" when matches => "ADDED",
            "MODIFIED" when matches && matched => "MODIFIED",
            "MODIFIED" when matches => "ADDED",
            "MODIFIED" when matched => "DELETED",
            "DELETED" when matches => "DELETED",
            _ => null,
        };
        return type is null ? null : FakeStore.EventLine(type, change.Object);
    }
}
