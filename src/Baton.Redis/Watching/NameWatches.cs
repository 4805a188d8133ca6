namespace Baton.Redis.Watching;

/// <summary>
/// The open watches of one coordinator, by name: a read of a name tells that name's watches when its earliest lease
/// ends, and a connection that failed or came back wakes them all.
/// </summary>
internal sealed class NameWatches
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<RedisNameWatch>> _byName = new(StringComparer.Ordinal);

    public void Add(RedisNameWatch watch)
    {
        lock (_gate)
        {
            if (!_byName.TryGetValue(watch.Key.Text, out var list))
            {
                list = [];
                _byName[watch.Key.Text] = list;
            }

            list.Add(watch);
        }
    }

    public void Remove(RedisNameWatch watch)
    {
        lock (_gate)
        {
            if (_byName.TryGetValue(watch.Key.Text, out var list) && list.Remove(watch) && list.Count == 0)
            {
                _byName.Remove(watch.Key.Text);
            }
        }
    }

    /// <summary>Passes a read of a name on to its watches (see <see cref="RedisNameWatch.OnRead"/>).</summary>
    public void OnRead(string name, long receivedAt, long? dueMilliseconds)
    {
        RedisNameWatch[] watches;
        lock (_gate)
        {
            if (_byName.Count == 0 || !_byName.TryGetValue(name, out var list))
            {
                return;
            }

            watches = [.. list];
        }

        foreach (var watch in watches)
        {
            watch.OnRead(receivedAt, dueMilliseconds);
        }
    }

    /// <summary>Wakes every watch, so that its caller reads again.</summary>
    public void SignalAll()
    {
        RedisNameWatch[] watches;
        lock (_gate)
        {
            watches = [.. _byName.Values.SelectMany(static list => list)];
        }

        foreach (var watch in watches)
        {
            watch.Signal();
        }
    }
}
