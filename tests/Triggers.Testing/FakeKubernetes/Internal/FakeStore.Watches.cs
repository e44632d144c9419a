using System.Text.Json.Nodes;

namespace Triggers.Testing.FakeKubernetes.Internal;

// Watch fan-out: opening watches from a resourceVersion, the bounded change history, bookmarks, expiry and dropped connections.
internal sealed partial class FakeStore
{
    /// <summary>Opens a watch from <paramref name="resourceVersion"/> (null or 0: current state first), or returns the 410 Status when that version is compacted away.</summary>
    public (WatchStream? Stream, JsonObject? Expired) OpenWatch(FakeResourceType type, string? @namespace, Selectors selectors, long? resourceVersion, bool allowBookmarks)
    {
        lock (_gate)
        {
            var stream = new WatchStream(type, @namespace, selectors, allowBookmarks);
            if (resourceVersion is null or 0)
            {
                foreach (var obj in Objects(type).Values)
                {
                    if ((@namespace is null || NamespaceOf(obj) == @namespace) && selectors.Matches(obj))
                    {
                        stream.Lines.Writer.TryWrite(EventLine("ADDED", obj));
                    }
                }
            }
            else if (resourceVersion < _oldestResumable)
            {
                return (null, Expired(resourceVersion.Value).Body);
            }
            else
            {
                foreach (var change in _history)
                {
                    if (change.ResourceVersion > resourceVersion && stream.Translate(change) is { } line)
                    {
                        stream.Lines.Writer.TryWrite(line);
                    }
                }
            }

            _watches.Add(stream);
            return (stream, null);
        }
    }

    public void CloseWatch(WatchStream stream)
    {
        lock (_gate)
        {
            _watches.Remove(stream);
        }
    }

    /// <summary>Forgets the history: a watch or exact list from any earlier resourceVersion now gets 410 Gone.</summary>
    public void Compact()
    {
        lock (_gate)
        {
            _history.Clear();
            _oldestResumable = _resourceVersion;
        }
    }

    public int SendBookmarks()
    {
        lock (_gate)
        {
            var sent = 0;
            foreach (var watch in _watches.Where(w => w.AllowBookmarks))
            {
                var bookmark = new JsonObject
                {
                    ["kind"] = watch.Type.Kind,
                    ["apiVersion"] = watch.Type.ApiVersion,
                    ["metadata"] = new JsonObject { ["resourceVersion"] = Rv(_resourceVersion) },
                };
                if (watch.Lines.Writer.TryWrite(new JsonObject { ["type"] = "BOOKMARK", ["object"] = bookmark }.ToJsonString()))
                {
                    sent++;
                }
            }

            return sent;
        }
    }

    /// <summary>Ends every open watch with an ERROR event carrying a 410 Expired Status, as the real server does when its watch cache moves past a watcher.</summary>
    public int ExpireWatches()
    {
        lock (_gate)
        {
            var count = _watches.Count;
            foreach (var watch in _watches)
            {
                var status = Status(410, "Expired", $"The resourceVersion for the provided watch is too old.");
                watch.Lines.Writer.TryWrite(new JsonObject { ["type"] = "ERROR", ["object"] = status }.ToJsonString());
                watch.Lines.Writer.TryComplete();
            }

            _watches.Clear();
            return count;
        }
    }

    /// <summary>Aborts every open watch connection without a final event.</summary>
    public int DropWatches()
    {
        List<WatchStream> dropped;
        lock (_gate)
        {
            dropped = [.. _watches];
            _watches.Clear();
        }

        foreach (var watch in dropped)
        {
            watch.Lines.Writer.TryComplete(new OperationCanceledException("watch dropped"));
            watch.Abort();
        }

        return dropped.Count;
    }

    private void PublishLocked(StoreChange change)
    {
        _history.Add(change);
        if (_history.Count > MaxHistory)
        {
            _oldestResumable = _history[0].ResourceVersion;
            _history.RemoveAt(0);
        }

        foreach (var watch in _watches.ToList())
        {
            if (watch.Translate(change) is { } line && !watch.Lines.Writer.TryWrite(line))
            {
                // Too slow a watcher: the real server closes it and the client must resume.
                watch.Lines.Writer.TryComplete();
                _watches.Remove(watch);
            }
        }
    }
}
