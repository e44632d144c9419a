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

    /// <summary>Set by the HTTP handler: tears the connection down (a dropped watch).</summary>
    public Action? Abort { get; set; }

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
