namespace Baton.Conformance;

/// <summary>
/// A critical section that notices what a broken lock lets through: overlapping holders, and lost
/// updates of a counter that every visit reads, yields, and writes back without atomics.
/// </summary>
public sealed class ExclusionProbe
{
    private int _inside;
    private int _overlaps;
    private int _count;

    /// <summary>How many visits found someone else inside.</summary>
    public int Overlaps => Volatile.Read(ref _overlaps);

    /// <summary>The counter: equal to the number of visits unless an update was lost.</summary>
    public int Count => Volatile.Read(ref _count);

    /// <summary>Visits the section; call it only while holding the lock under test.</summary>
    /// <param name="whileInside">Runs inside, before the counter's read-yield-write, such as recording the order of entry.</param>
    public async Task VisitAsync(Action? whileInside = null)
    {
        if (Interlocked.Increment(ref _inside) != 1)
        {
            Interlocked.Increment(ref _overlaps);
        }

        whileInside?.Invoke();
        var read = _count;
        await Task.Yield();
        _count = read + 1;
        Interlocked.Decrement(ref _inside);
    }
}
