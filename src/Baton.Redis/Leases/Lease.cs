using Baton.Redis.Keys;

namespace Baton.Redis.Leases;

/// <summary>
/// The lease of one hold or wait: its id on the server and until when it is known to be valid, on this process's
/// monotonic clock. A confirmation counts from when its request was <em>sent</em>: the server can only have set the
/// deadline later than that, so the lease cannot have expired before <see cref="ValidUntil"/>.
/// </summary>
internal sealed class Lease
{
    private long _validUntil;

    public Lease(string id, NameKey key, long sentAt, long ttlTicks)
    {
        Id = id;
        Key = key;
        TtlTicks = ttlTicks;
        _validUntil = sentAt + ttlTicks;
    }

    /// <summary>The id of the hold or wait in the name's records.</summary>
    public string Id { get; }

    /// <summary>The name.</summary>
    public NameKey Key { get; }

    /// <summary>The lease length in <see cref="TimeProvider"/> timestamp ticks.</summary>
    public long TtlTicks { get; }

    /// <summary>The earliest moment the server may end the lease, unless renewed: the send time of the last confirmed request plus the TTL.</summary>
    public long ValidUntil => Volatile.Read(ref _validUntil);

    /// <summary>A request sent at <paramref name="sentAt"/> renewed the lease.</summary>
    public void Confirm(long sentAt)
    {
        var until = sentAt + TtlTicks;
        var seen = Volatile.Read(ref _validUntil);
        while (until > seen)
        {
            var previous = Interlocked.CompareExchange(ref _validUntil, until, seen);
            if (previous == seen)
            {
                return;
            }

            seen = previous;
        }
    }
}
