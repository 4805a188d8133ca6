namespace Baton.Etcd.Queue;

/// <summary>
/// Which contender suffixes of each name this coordinator uses: one lease can hold only one key per suffix, so a
/// second request for a name it already holds or waits for takes the next index (<c>&lt;lease&gt;-1</c>, …).
/// </summary>
internal sealed class SuffixClaims
{
    private readonly Dictionary<(LockKind, string), SortedSet<int>> _used = [];

    public SuffixClaim Claim(PreparedName name, string leaseHex, long sinceTicks)
    {
        lock (_used)
        {
            if (!_used.TryGetValue((name.Kind, name.Name), out var used))
            {
                _used[(name.Kind, name.Name)] = used = [];
            }

            var index = 0;
            while (used.Contains(index))
            {
                index++;
            }

            used.Add(index);
            return new SuffixClaim(this, name, index, Keys.KeyLayout.Suffix(name.Kind, leaseHex, index), sinceTicks);
        }
    }

    internal void Release(SuffixClaim claim)
    {
        lock (_used)
        {
            if (_used.TryGetValue((claim.Name.Kind, claim.Name.Name), out var used) && used.Remove(claim.Index) && used.Count == 0)
            {
                _used.Remove((claim.Name.Kind, claim.Name.Name));
            }
        }
    }
}

/// <summary>One contender suffix in use by this coordinator; disposing it frees the suffix for the next request.</summary>
internal sealed class SuffixClaim(SuffixClaims owner, PreparedName name, int index, string suffix, long sinceTicks) : IDisposable
{
    private int _released;

    public PreparedName Name { get; } = name;

    public int Index { get; } = index;

    public string Suffix { get; } = suffix;

    /// <summary>When the request began (UTC ticks), shown as the waiter's and then the holder's "since".</summary>
    public long SinceTicks { get; set; } = sinceTicks;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _released, 1) == 0)
        {
            owner.Release(this);
        }
    }
}
