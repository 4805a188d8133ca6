namespace Baton.ZooKeeper.Client.Watches;

/// <summary>
/// The one-time watches the server holds for this session, by client path, in ZooKeeper's three kinds: data watches
/// (getData, and exists on a present node), exist watches (exists on an absent node) and child watches.
/// </summary>
internal sealed class WatchTable
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, HashSet<ZooKeeperWatcher>> _data = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<ZooKeeperWatcher>> _exist = new(StringComparer.Ordinal);
    private readonly Dictionary<string, HashSet<ZooKeeperWatcher>> _child = new(StringComparer.Ordinal);

    public void AddData(string path, ZooKeeperWatcher watcher) => Add(_data, path, watcher);

    public void AddExist(string path, ZooKeeperWatcher watcher) => Add(_exist, path, watcher);

    public void AddChild(string path, ZooKeeperWatcher watcher) => Add(_child, path, watcher);

    public bool IsEmpty
    {
        get
        {
            lock (_gate)
            {
                return _data.Count == 0 && _exist.Count == 0 && _child.Count == 0;
            }
        }
    }

    /// <summary>Removes and returns the watchers an event triggers, each once.</summary>
    public List<ZooKeeperWatcher> Trigger(WatchedEventType type, string path)
    {
        var triggered = new HashSet<ZooKeeperWatcher>();
        lock (_gate)
        {
            switch (type)
            {
                case WatchedEventType.NodeCreated or WatchedEventType.NodeDataChanged:
                    Take(_data, path, triggered);
                    Take(_exist, path, triggered);
                    break;
                case WatchedEventType.NodeDeleted:
                    Take(_data, path, triggered);
                    Take(_exist, path, triggered);
                    Take(_child, path, triggered);
                    break;
                case WatchedEventType.NodeChildrenChanged:
                    Take(_child, path, triggered);
                    break;
                default:
                    break;
            }
        }

        return [.. triggered];
    }

    /// <summary>Removes every watch and returns each (watcher, path) pair once: the session ended.</summary>
    public List<(ZooKeeperWatcher Watcher, string Path)> TakeAll()
    {
        var all = new HashSet<(ZooKeeperWatcher, string)>();
        lock (_gate)
        {
            foreach (var table in new[] { _data, _exist, _child })
            {
                foreach (var (path, watchers) in table)
                {
                    foreach (var watcher in watchers)
                    {
                        all.Add((watcher, path));
                    }
                }

                table.Clear();
            }
        }

        return [.. all];
    }

    /// <summary>The paths of each kind, to register again on a new connection.</summary>
    public (List<string> Data, List<string> Exist, List<string> Child) Paths()
    {
        lock (_gate)
        {
            return ([.. _data.Keys], [.. _exist.Keys], [.. _child.Keys]);
        }
    }

    private void Add(Dictionary<string, HashSet<ZooKeeperWatcher>> table, string path, ZooKeeperWatcher watcher)
    {
        lock (_gate)
        {
            if (!table.TryGetValue(path, out var watchers))
            {
                table[path] = watchers = [];
            }

            watchers.Add(watcher);
        }
    }

    private static void Take(Dictionary<string, HashSet<ZooKeeperWatcher>> table, string path, HashSet<ZooKeeperWatcher> into)
    {
        if (table.Remove(path, out var watchers))
        {
            into.UnionWith(watchers);
        }
    }
}
