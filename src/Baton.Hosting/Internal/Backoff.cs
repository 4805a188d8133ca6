namespace Baton.Hosting.Internal;

/// <summary>
/// The pause before a leader or member tries again: <c>initial</c> after the first failed round, doubling after each
/// further one up to <c>max</c>, and from <c>initial</c> again once a round has lasted at least <c>max</c> (it was
/// healthy long enough that its end is a new incident, not the next failure of the same one).
/// </summary>
internal sealed class Backoff
{
    private readonly TimeSpan _initial;
    private readonly TimeSpan _max;
    private TimeSpan _next;

    public Backoff(TimeSpan initial, TimeSpan max)
    {
        _initial = initial;
        _max = max;
        _next = initial;
    }

    /// <summary>The pause after a failed round that lasted <paramref name="lasted"/> (zero when it never got going).</summary>
    public TimeSpan AfterFailure(TimeSpan lasted)
    {
        if (lasted >= _max)
        {
            _next = _initial;
        }

        var delay = _next;
        _next = _next >= _max / 2 ? _max : _next * 2;
        return delay;
    }

    /// <summary>The pause after a round that ended well: <c>initial</c>, and the doubling starts over.</summary>
    public TimeSpan AfterSuccess()
    {
        _next = _initial;
        return _initial;
    }
}
